import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createGovernance } from '../../../src/index.js';
import type {
  Governance,
  GovernanceOptions,
  LaneJobRequest,
  LaneResult,
} from '../../../src/index.js';
import { createTestDatabase, openSql } from '../../support/testDatabase.js';
import { laneOptions } from './laneTools.js';
import type { RunCounter } from './laneTools.js';

export type Sql = Awaited<ReturnType<typeof openSql>>;

/** A governance on a fresh database, the jobs it enqueued, and raw SQL on the same database. */
export interface LaneHarness {
  gov: Governance;
  sql: Sql;
  url: string;
  jobs: LaneJobRequest[];
  counter: RunCounter;
  /** Another governance on the same database (closed with the harness). */
  open(overrides?: Partial<GovernanceOptions>): Promise<Governance>;
  /** `proposeRefund` on `gov`. */
  proposeRefund(): Promise<string>;
  /** Proposes a refund on `gov` and opens its lane; returns both ids. */
  openRefundLane(options?: {
    ttlSeconds?: number;
  }): Promise<{ proposalId: string; laneId: string }>;
  /** A lane as stored. */
  laneRow(laneId: string): Promise<LaneRowState>;
  /** A lane's audit rows, oldest first. */
  laneEvents(laneId: string): Promise<EventRowState[]>;
  /** Row counts of the lane and event tables. */
  counts(): Promise<{ lanes: number; events: number }>;
  /**
   * A digest of every row countersign writes (lanes, events, proposals with their audit heads):
   * equal before and after an operation means the operation wrote nothing.
   */
  fingerprint(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Gives a suite a harness (with `overrides`), open from beforeAll to afterAll. A suite's own
 * beforeAll, registered after this call, runs after it and sees the harness.
 */
export function useLaneHarness(overrides: Partial<GovernanceOptions> = {}): LaneHarness {
  const h = {} as LaneHarness; // filled in by beforeAll, so the suite can hold it from the start
  beforeAll(async () => void Object.assign(h, await startHarness(overrides)));
  afterAll(() => h.close?.()); // close is unset when beforeAll failed
  return h;
}

/** Fresh database + governance with the lane tools, `resolveActor` and `approverRoles`. */
async function startHarness(overrides: Partial<GovernanceOptions>): Promise<LaneHarness> {
  const db = await createTestDatabase();
  const jobs: LaneJobRequest[] = [];
  const counter: RunCounter = { runs: 0 };
  const opened: Governance[] = [];
  const open = async (more: Partial<GovernanceOptions> = {}) => {
    const gov = await createGovernance({
      ...laneOptions(db.url, counter, jobs),
      ...overrides,
      ...more,
    });
    opened.push(gov);
    return gov;
  };
  const gov = await open();
  const sql = await openSql(db.url);
  return {
    gov,
    sql,
    url: db.url,
    jobs,
    counter,
    open,
    proposeRefund: () => proposeRefund(gov),
    openRefundLane: (options = {}) => openRefundLane(gov, options),
    laneRow: (laneId) => laneRow(sql, laneId),
    laneEvents: (laneId) => laneEvents(sql, laneId),
    counts: () => counts(sql),
    fingerprint: () => fingerprint(sql),
    async close() {
      for (const g of opened) await g.close();
      await sql.close();
      await db.drop();
    },
  };
}

let orders = 0;

/** Proposes a refund by `alice` (a requires_approval tool) and returns the proposal id. */
export async function proposeRefund(gov: Governance, cents = 500): Promise<string> {
  orders += 1;
  const result = await gov.propose('refund', 'alice', {
    input: { orderId: `o-${process.pid}-${orders}-${Date.now()}`, cents },
    scopes: ['payments:write'],
  });
  if (!result.ok) throw new Error(`refund proposal blocked: ${result.reason}`);
  return result.proposal.id;
}

/** Unwraps a successful lane result, failing loudly with the error otherwise. */
export function expectOk(result: LaneResult) {
  if (!result.ok) throw new Error(`lane operation failed: ${JSON.stringify(result)}`);
  return result.approval;
}

async function openRefundLane(
  gov: Governance,
  options: { ttlSeconds?: number } = {},
): Promise<{ proposalId: string; laneId: string }> {
  const proposalId = await proposeRefund(gov);
  const lane = expectOk(await gov.requestApproval(proposalId, options));
  return { proposalId, laneId: lane.id };
}

export interface LaneRowState {
  status: string;
  version: number;
  execution_state: string | null;
  snapshot: { value: unknown; context: Record<string, unknown> };
  decided_by: string | null;
  decision_reason: string | null;
  decision_note: string | null;
  input_hash: string;
  /** expires_at in epoch milliseconds. */
  expires_at_ms: number | null;
}

async function laneRow(sql: Sql, laneId: string): Promise<LaneRowState> {
  const [row] = await sql.query<LaneRowState>(
    `select status, version, execution_state, snapshot, decided_by, decision_reason,
            decision_note, input_hash,
            floor(extract(epoch from expires_at) * 1000)::float8 as expires_at_ms
       from tool_approvals where id = ?`,
    [laneId],
  );
  if (!row) throw new Error(`no lane row ${laneId}`);
  return row;
}

export interface EventRowState {
  id: string;
  seq: number;
  type: string;
  actor_id: string;
  approval_id: string | null;
  payload: Record<string, unknown>;
}

async function laneEvents(sql: Sql, laneId: string): Promise<EventRowState[]> {
  return sql.query<EventRowState>(
    `select id, seq, type, actor_id, approval_id, payload
       from tool_action_events where approval_id = ? order by seq`,
    [laneId],
  );
}

async function counts(sql: Sql): Promise<{ lanes: number; events: number }> {
  const [row] = await sql.query<{ lanes: number; events: number }>(
    `select (select count(*) from tool_approvals)::int as lanes,
            (select count(*) from tool_action_events)::int as events`,
  );
  return row!;
}

async function fingerprint(sql: Sql): Promise<string> {
  const [row] = await sql.query<{ lanes: string; events: string; proposals: string }>(
    `select (select coalesce(string_agg(md5(t::text), '' order by id), '') from tool_approvals t) as lanes,
            (select coalesce(string_agg(md5(t::text), '' order by id), '') from tool_action_events t) as events,
            (select coalesce(string_agg(md5(t::text), '' order by id), '') from tool_proposals t) as proposals`,
  );
  return createHash('sha256').update(JSON.stringify(row)).digest('hex');
}

/** SHA-256 of JSON with sorted keys, written independently of the code under test. */
export function sha256OfCanonical(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  };
  return createHash('sha256')
    .update(JSON.stringify(sortKeys(value)))
    .digest('hex');
}
