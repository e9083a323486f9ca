import { Migration20261124065143_proposals } from './Migration20261124065143_proposals.js';

/** Every migration, oldest first; listed here so built and unbuilt code find the same set. */
export const migrationsList = [
  { name: 'Migration20261124065143_proposals', class: Migration20261124065143_proposals },
];
