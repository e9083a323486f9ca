import { Migration20261124065143_proposals } from './Migration20261124065143_proposals.js';
import { Migration20261124070003_approval_lanes } from './Migration20261124070003_approval_lanes.js';
import { Migration20261124070505_execution_retry } from './Migration20261124070505_execution_retry.js';
import { Migration20261124071840_lane_event_index } from './Migration20261124071840_lane_event_index.js';
import { Migration20261127075040_audit_integrity } from './Migration20261127075040_audit_integrity.js';
import { Migration20261127085544_lane_redrives } from './Migration20261127085544_lane_redrives.js';
import { Migration20261127110000_cases } from './Migration20261127110000_cases.js';
import { Migration20261127130000_audit_positions } from './Migration20261127130000_audit_positions.js';
import { Migration20261127140000_decision_links } from './Migration20261127140000_decision_links.js';
import { Migration20261127150000_case_listing } from './Migration20261127150000_case_listing.js';
import { Migration20261204190202_case_ids } from './Migration20261204190202_case_ids.js';

/** Every migration, oldest first; listed here so built and unbuilt code find the same set. */
export const migrationsList = [
  { name: 'Migration20261124065143_proposals', class: Migration20261124065143_proposals },
  { name: 'Migration20261124070003_approval_lanes', class: Migration20261124070003_approval_lanes },
  {
    name: 'Migration20261124070505_execution_retry',
    class: Migration20261124070505_execution_retry,
  },
  {
    name: 'Migration20261124071840_lane_event_index',
    class: Migration20261124071840_lane_event_index,
  },
  {
    name: 'Migration20261127075040_audit_integrity',
    class: Migration20261127075040_audit_integrity,
  },
  {
    name: 'Migration20261127085544_lane_redrives',
    class: Migration20261127085544_lane_redrives,
  },
  { name: 'Migration20261127110000_cases', class: Migration20261127110000_cases },
  {
    name: 'Migration20261127130000_audit_positions',
    class: Migration20261127130000_audit_positions,
  },
  {
    name: 'Migration20261127140000_decision_links',
    class: Migration20261127140000_decision_links,
  },
  { name: 'Migration20261127150000_case_listing', class: Migration20261127150000_case_listing },
  { name: 'Migration20261204190202_case_ids', class: Migration20261204190202_case_ids },
];
