import { Migration } from '@mikro-orm/migrations';

export class Migration20261124065143_proposals extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tool_action_events" ("id" uuid not null, "proposal_id" uuid not null, "approval_id" uuid null, "seq" int not null, "type" varchar(64) not null, "actor_id" varchar(256) not null, "payload" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null, "created_at" timestamptz not null, constraint "tool_action_events_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "tool_action_events" add constraint "tool_action_events_proposal_id_seq_unique" unique ("proposal_id", "seq");`,
    );

    this.addSql(
      `create table "tool_proposals" ("id" uuid not null, "tool_name" varchar(128) not null, "tool_version" varchar(64) not null, "actor_id" varchar(256) not null, "conversation_id" varchar(256) null, "case_id" varchar(256) null, "status" varchar(16) not null, "blocked_outcome" varchar(32) null, "blocked_reason" text null, "blocked_issues" jsonb null, "risk_tier" varchar(16) not null, "approval_mode" varchar(32) not null, "idempotency_key" varchar(64) null, "tool_snapshot" jsonb not null, "input_snapshot" jsonb null, "actor_snapshot" jsonb not null, "audit_seq" int not null, "audit_head" varchar(64) not null, "created_at" timestamptz not null, constraint "tool_proposals_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "tool_proposals" add constraint "tool_proposals_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(
      `create index "tool_proposals_conversation_id_created_at_index" on "tool_proposals" ("conversation_id", "created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tool_action_events" cascade;`);

    this.addSql(`drop table if exists "tool_proposals" cascade;`);
  }
}
