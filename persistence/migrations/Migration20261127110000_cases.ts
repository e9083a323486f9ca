import { Migration } from '@mikro-orm/migrations';

export class Migration20261127110000_cases extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "governance_policies" ("name" varchar(128) not null, "version" int not null, "body" jsonb not null, "hash" varchar(64) not null, "created_by" varchar(256) not null, "created_at" timestamptz not null, constraint "governance_policies_pkey" primary key ("name", "version"));`,
    );
    this.addSql(
      `create table "governance_cases" ("id" uuid not null, "status" varchar(16) not null, "snapshot" jsonb not null, "machine_id" varchar(128) not null, "machine_version" int not null, "version" int not null, "policy_name" varchar(128) not null, "policy_version" int not null, "policy_hash" varchar(64) not null, "conversation_id" varchar(256) null, "created_by" varchar(256) not null, "deadline" timestamptz null, "audit_seq" int not null, "audit_head" varchar(64) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "governance_cases_pkey" primary key ("id"));`,
    );
    // The cases a sweep times out: open, by deadline.
    this.addSql(
      `create index "governance_cases_open_deadline_index" on "governance_cases" ("deadline") where "status" = 'open';`,
    );
    this.addSql(
      `create table "case_events" ("id" uuid not null, "case_id" uuid not null, "task_id" uuid null, "seq" int not null, "type" varchar(64) not null, "actor_id" varchar(256) not null, "payload" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, "created_at" timestamptz not null, "hash_version" int not null, "signature" text null, "key_id" varchar(64) null, constraint "case_events_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "case_events" add constraint "case_events_case_id_seq_unique" unique ("case_id", "seq");`,
    );
    this.addSql(`create index "case_events_task_id_index" on "case_events" ("task_id");`);
    // Escalated lanes, for the sweep that opens the next lane should its opener have died.
    this.addSql(
      `create index "tool_approvals_escalated_index" on "tool_approvals" ("proposal_id") where "status" = 'escalated';`,
    );
    // A case's proposals, for the sweep that closes the lanes of a closed case.
    this.addSql(
      `create index "tool_proposals_case_id_index" on "tool_proposals" ("case_id") where "case_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "tool_proposals_case_id_index";`);
    this.addSql(`drop index if exists "tool_approvals_escalated_index";`);
    this.addSql(`drop table if exists "case_events" cascade;`);
    this.addSql(`drop table if exists "governance_cases" cascade;`);
    this.addSql(`drop table if exists "governance_policies" cascade;`);
  }
}
