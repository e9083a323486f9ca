import type { EntitySchema } from '@mikro-orm/core';
import { CaseEvent } from './caseEvent.entity.js';
import { GovernanceCase } from './governanceCase.entity.js';
import type { CaseEventRow, CaseRow, EventRow, LaneRow, StoredJson } from './rows.js';
import { ToolActionEvent } from './toolActionEvent.entity.js';
import { ToolApproval } from './toolApproval.entity.js';

/** A column of a row table: the row's property, its SQL type and its name (derived). */
export type Column<Row> = readonly [property: keyof Row & string, type: SqlType, name: string];
type SqlType = 'uuid' | 'text' | 'int' | 'jsonb' | 'timestamptz';

/** `proposalId` → `proposal_id`. */
export const columnName = (property: string): string =>
  property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// MikroORM's property types → the casts statements put on parameters.
const sqlTypes: Record<string, SqlType> = {
  UuidType: 'uuid',
  StringType: 'text',
  TextType: 'text',
  JsonType: 'jsonb',
  IntegerType: 'int',
  DateTimeType: 'timestamptz',
};

/**
 * The columns of an entity, in declaration order: the entity is where a table's columns are
 * declared, and row mapping, statement parameters and SQL text are derived from this list.
 */
export function columnsOf<Row>(entity: EntitySchema): readonly Column<Row>[] {
  return Object.entries(entity.meta.properties).map(([property, meta]) => {
    const typeName = (meta.type as unknown as { name?: string } | undefined)?.name ?? '';
    const type = sqlTypes[typeName];
    if (!type) throw new Error(`${entity.meta.className}.${property}: no SQL type for ${typeName}`);
    return [property as keyof Row & string, type, columnName(property)] as const;
  });
}

/** The columns of `tool_approvals`. */
export const laneColumns = columnsOf<LaneRow>(ToolApproval as unknown as EntitySchema);

/** The columns of `tool_action_events`. */
export const eventColumns = columnsOf<EventRow>(ToolActionEvent as unknown as EntitySchema);

/** The columns of `governance_cases`. */
export const caseColumns = columnsOf<CaseRow>(GovernanceCase as unknown as EntitySchema);

/** The columns of `case_events`. */
export const caseEventColumns = columnsOf<CaseEventRow>(CaseEvent as unknown as EntitySchema);

// PostgreSQL's text of a UTC time, as a UTC session returns it: `2026-01-01 10:00:00.5+00`.
const PG_UTC = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A stored time as ISO text with milliseconds, whether the driver gave a Date or PostgreSQL's
 * text (`2026-01-01 10:00:00.5+00`); a time no Date can hold ('infinity') stays as its text,
 * never a throw.
 */
export const iso = (v: unknown): string | null => {
  if (v == null) return null;
  const utc = typeof v === 'string' ? PG_UTC.exec(v) : null;
  // Date parsing truncates the fraction to milliseconds; so does this.
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  const date =
    v instanceof Date
      ? v
      : new Date(
          String(v)
            .replace(' ', 'T')
            .replace(/([+-]\d\d)$/, '$1:00'),
        );
  return Number.isNaN(date.getTime()) ? String(v) : date.toISOString();
};

/** Maps a result row (snake_case columns) to a row object; timestamps become ISO text. */
export function fromColumns<Row>(columns: readonly Column<Row>[], r: Record<string, unknown>): Row {
  const row: Record<string, unknown> = {};
  for (const [property, type, name] of columns) {
    const value = r[name];
    row[property] = type === 'timestamptz' ? iso(value) : (value ?? null);
  }
  return row as Row;
}

/** A row object's statement parameters, in column order; jsonb values as JSON text. */
export function toColumns<Row>(columns: readonly Column<Row>[], row: Row): unknown[] {
  return columns.map(([property, type]) => {
    const value = row[property] as StoredJson | undefined;
    return type === 'jsonb' ? JSON.stringify(value) : value;
  });
}

/** A `tool_approvals` result row as a {@link LaneRow}. */
export const toLaneRow = (r: Record<string, unknown>): LaneRow => fromColumns(laneColumns, r);
