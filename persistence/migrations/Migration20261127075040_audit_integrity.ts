import { Migration } from '@mikro-orm/migrations';

export class Migration20261127075040_audit_integrity extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "audit_checkpoints" ("id" uuid not null, "created_at" timestamptz not null, "leaf_count" int not null, "root" varchar(64) not null, "key_id" varchar(64) not null, "signature" text not null, constraint "audit_checkpoints_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "audit_checkpoint_leaves" ("checkpoint_id" uuid not null, "proposal_id" uuid not null, "seq" int not null, "hash" varchar(64) not null, constraint "audit_checkpoint_leaves_pkey" primary key ("checkpoint_id", "proposal_id"));`,
    );

    // Rows written before this migration were hashed under rule 1; new rows name their rule.
    this.addSql(
      `alter table "tool_action_events" add column "hash_version" int not null default 1, add column "signature" text null, add column "key_id" varchar(64) null;`,
    );
    this.addSql(`alter table "tool_action_events" alter column "hash_version" drop default;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_checkpoints" cascade;`);

    this.addSql(`drop table if exists "audit_checkpoint_leaves" cascade;`);

    this.addSql(
      `alter table "tool_action_events" drop column "hash_version", drop column "signature", drop column "key_id";`,
    );
  }
}
