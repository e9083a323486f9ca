import { Migration } from '@mikro-orm/migrations';

export class Migration20261124071840_lane_event_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "tool_action_events_approval_id_seq_index" on "tool_action_events" ("approval_id", "seq");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "tool_action_events_approval_id_seq_index";`);
  }
}
