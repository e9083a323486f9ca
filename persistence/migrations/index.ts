import { Migration20261124065143_proposals } from './Migration20261124065143_proposals.js';
import { Migration20261124070003_approval_lanes } from './Migration20261124070003_approval_lanes.js';

/** Every migration, oldest first; listed here so built and unbuilt code find the same set. */
export const migrationsList = [
  { name: 'Migration20261124065143_proposals', class: Migration20261124065143_proposals },
  { name: 'Migration20261124070003_approval_lanes', class: Migration20261124070003_approval_lanes },
];
