import { Migration } from '@mikro-orm/migrations';

export class Migration20261127140000_decision_links extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "decision_link_uses" ("nonce" uuid not null, "lane_id" uuid not null, "used_at" timestamptz not null, constraint "decision_link_uses_pkey" primary key ("nonce"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "decision_link_uses" cascade;`);
  }
}
