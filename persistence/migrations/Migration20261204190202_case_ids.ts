import { Migration } from '@mikro-orm/migrations';

// Hosts key a case by their own id (a run id, say): up to 200 characters of text, no longer
// only a UUID. Existing ids keep their text form.
export class Migration20261204190202_case_ids extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "case_events" alter column "case_id" type varchar(200) using ("case_id"::varchar(200));`,
    );
    this.addSql(
      `alter table "governance_cases" alter column "id" type varchar(200) using ("id"::varchar(200));`,
    );
  }

  // Fails while a case has an id that is not a UUID: such a case has no place in the old schema.
  override async down(): Promise<void> {
    this.addSql(
      `alter table "case_events" alter column "case_id" type uuid using ("case_id"::uuid);`,
    );
    this.addSql(`alter table "governance_cases" alter column "id" type uuid using ("id"::uuid);`);
  }
}
