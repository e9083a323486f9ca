import { Migration } from '@mikro-orm/migrations';

export class Migration20261124070505_execution_retry extends Migration {
  override async up(): Promise<void> {
    // When a retried execution may start; the reconciler leaves queued lanes alone until then.
    this.addSql(`alter table "tool_approvals" add column "retry_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tool_approvals" drop column "retry_at";`);
  }
}
