import { Migration } from '@mikro-orm/migrations';

export class Migration20261127150000_case_listing extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "governance_cases_created_index" on "governance_cases" ("created_at" desc, "id" desc);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "governance_cases_created_index";`);
  }
}
