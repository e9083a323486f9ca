import { Migration } from '@mikro-orm/migrations';

export class Migration20261127085544_lane_redrives extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "lane_redrives" ("lane_id" uuid not null, "redriven_at" timestamptz not null, constraint "lane_redrives_pkey" primary key ("lane_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "lane_redrives" cascade;`);
  }
}
