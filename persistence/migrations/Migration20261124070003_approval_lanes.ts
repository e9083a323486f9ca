import { Migration } from '@mikro-orm/migrations';

export class Migration20261124070003_approval_lanes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "tool_approvals" ("id" uuid not null, "proposal_id" uuid not null, "status" varchar(32) not null, "execution_state" varchar(16) null, "snapshot" jsonb not null, "machine_id" varchar(128) not null, "machine_version" int not null, "version" int not null, "expires_at" timestamptz null, "decided_by" varchar(256) null, "decision_reason" text null, "decision_note" text null, "input_hash" varchar(64) not null, "attempt" int not null, "lease_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "tool_approvals_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "tool_approvals_proposal_id_updated_at_index" on "tool_approvals" ("proposal_id", "updated_at");`,
    );
    // At most one pending lane per proposal, whatever races.
    this.addSql(
      `create unique index "tool_approvals_one_pending_per_proposal" on "tool_approvals" ("proposal_id") where "status" = 'pending';`,
    );
    // The lanes a sweep looks for: pending past their deadline, or mid-step.
    this.addSql(
      `create index "tool_approvals_due_index" on "tool_approvals" ("status", "expires_at") where "status" in ('pending', 'approved', 'execution_pending');`,
    );
    // Lets a single-statement write abort itself (and so write nothing) when a condition
    // between its parts does not hold.
    this.addSql(
      `create function countersign_assert(ok boolean, message text) returns boolean language plpgsql as $$ begin if not ok then raise exception '%', message using errcode = 'P0001'; end if; return true; end $$;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists countersign_assert(boolean, text);`);
    this.addSql(`drop table if exists "tool_approvals" cascade;`);
  }
}
