import { createHash } from 'node:crypto';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import { afterAll, beforeAll } from 'vitest';
import { createGovernance } from '../../../src/index.js';
import type {
  Governance,
  GovernanceOptions,
  LaneFailure,
  ToolDefinition,
} from '../../../src/index.js';
import { createTestDatabase, openSql } from '../../support/testDatabase.js';
import { approvedLane, openLane, proposeTagged } from './lifecycle.js';
import { createSideEffectTable, sideEffectTools, workerOptions } from './sideEffectTools.js';
import type { Sql } from './sideEffectTools.js';

export interface WorkerSuiteOptions {
  /** The governance's tools, given the suite's SQL. @default sideEffectTools */
  tools?: (sql: Sql) => ToolDefinition[];
  /** Whether the governance runs workers; a host that only proposes and decides does not. */
  startWorkers?: boolean;
  /** Also open `jobs`, a job client on the suite's job table. */
  jobClient?: boolean;
  /** Passed on to `workerOptions`. */
  overrides?: Partial<GovernanceOptions>;
}

type Lane = { proposalId: string; laneId: string };

/** A worker suite's database, raw SQL on it and a governance, with helpers bound to them. */
export interface WorkerSuite {
  url: string;
  sql: Sql;
  gov: Governance;
  /** Only with `jobClient: true`. */
  jobs: JobClient;
  /** `proposeTagged`, `openLane` and `approvedLane` (./lifecycle) on `gov`. */
  proposeTagged(tool: string, tag: string): Promise<string>;
  openLane(tool: string, tag: string, options?: { ttlSeconds?: number }): Promise<Lane>;
  approvedLane(tool: string, tag: string): Promise<Lane>;
  /** Every recorded run for `tag`, in the order they were written. */
  runsOf(tag: string): Promise<RunRow[]>;
  /** A lane as stored, read behind the facade. */
  laneState(laneId: string): Promise<LaneState>;
  /** Waits until the lane is in one of `statuses` (default: any terminal one). */
  waitForLane(laneId: string, statuses?: readonly string[], timeoutMs?: number): Promise<LaneState>;
  /** The audit event types of a lane, oldest first. */
  laneEventTypes(laneId: string): Promise<string[]>;
  /** Waits until the workers held the lane back from re-drives: its row and chain disagree. */
  waitHeldBack(laneId: string): Promise<void>;
  /**
   * A digest of every lane, event and proposal row: equal before and after means nothing in
   * them was written.
   */
  fingerprint(): Promise<string>;
  /** A job row of countersign's Agenda table, or null once it is gone. */
  jobRow(id: string): Promise<JobRow | null>;
  /**
   * Waits until no lane job is queued or in flight in the live worker processes named (their
   * Agenda names; default: this process); jobs locked by any other (dead) process and failed
   * jobs are left alone. Closing a governance while one of its jobs is in flight currently
   * waits out the whole 30 s drain timeout (see test/scheduler/backendContract), so suites
   * settle before closing.
   */
  settleLaneJobs(liveWorkers?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Gives a suite its database, side-effect table and governance (started in beforeAll, closed
 * in afterAll). A suite's own beforeAll, registered after this call, runs after it.
 */
export function useWorkerSuite(options: WorkerSuiteOptions = {}): WorkerSuite {
  const h = {} as WorkerSuite; // filled in by beforeAll, so the suite can hold it from the start
  beforeAll(async () => void Object.assign(h, await startWorkerSuite(options)));
  afterAll(() => h.close?.()); // close is unset when beforeAll failed
  return h;
}

async function startWorkerSuite({
  tools = sideEffectTools,
  startWorkers = true,
  jobClient = false,
  overrides = {},
}: WorkerSuiteOptions): Promise<WorkerSuite> {
  const db = await createTestDatabase();
  const sql = await openSql(db.url);
  await createSideEffectTable(sql);
  const gov = await createGovernance(workerOptions(db.url, tools(sql), overrides));
  if (startWorkers) await gov.startWorkers();
  // Typed as always there: only the suites that asked for it use it.
  const jobs = (jobClient ? await openJobClient(db.url) : undefined) as JobClient;
  return {
    url: db.url,
    sql,
    gov,
    jobs,
    proposeTagged: (tool, tag) => proposeTagged(gov, tool, tag),
    openLane: (tool, tag, laneOptions) => openLane(gov, tool, tag, laneOptions),
    approvedLane: (tool, tag) => approvedLane(gov, tool, tag),
    runsOf: (tag) => runsOf(sql, tag),
    laneState: (laneId) => laneState(sql, laneId),
    waitForLane: (laneId, statuses, timeoutMs) => waitForLane(sql, laneId, statuses, timeoutMs),
    laneEventTypes: (laneId) => laneEventTypes(sql, laneId),
    waitHeldBack: (laneId) => waitHeldBack(sql, laneId),
    fingerprint: () => fingerprint(sql),
    jobRow: (id) => jobRow(sql, id),
    settleLaneJobs: (liveWorkers) => settleLaneJobs(sql, liveWorkers),
    async close() {
      await jobs?.close();
      await gov.close();
      await sql.close();
      await db.drop();
    },
  };
}

/**
 * Polls `probe` until `done` accepts its value; throws (with the last value) at the deadline.
 * The deadline only bounds a wait: no assertion is ever made on how long it took.
 */
export async function waitFor<T>(
  label: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${label}; last value: ${JSON.stringify(value)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface RunRow {
  idem_key: string;
  attempt: number;
  note: string | null;
  pid: number;
}

async function runsOf(sql: Sql, tag: string): Promise<RunRow[]> {
  return sql.query<RunRow>(
    `select idem_key, attempt, note, pid from side_effects where tag = ? order by id`,
    [tag],
  );
}

export interface LaneState {
  id: string;
  proposal_id: string;
  status: string;
  execution_state: string | null;
  version: number;
  attempt: number;
  decided_by: string | null;
  failure: LaneFailure | null;
  result: unknown;
  /** Epoch milliseconds. */
  expires_at_ms: number | null;
  updated_at_ms: number;
}

async function laneState(sql: Sql, laneId: string): Promise<LaneState> {
  const [row] = await sql.query<LaneState>(
    `select id, proposal_id, status, execution_state, version, attempt, decided_by,
            snapshot->'context'->'failure' as failure, snapshot->'context'->'result' as result,
            (extract(epoch from expires_at) * 1000)::float8 as expires_at_ms,
            (extract(epoch from updated_at) * 1000)::float8 as updated_at_ms
       from tool_approvals where id = ?`,
    [laneId],
  );
  if (!row) throw new Error(`no lane ${laneId}`);
  return row;
}

export const terminal = ['executed', 'execution_failed', 'rejected', 'deferred', 'expired'];

function waitForLane(
  sql: Sql,
  laneId: string,
  statuses: readonly string[] = terminal,
  timeoutMs = 15_000,
): Promise<LaneState> {
  return waitFor(
    `lane ${laneId} to be ${statuses.join('|')}`,
    () => laneState(sql, laneId),
    (lane) => statuses.includes(lane.status),
    timeoutMs,
  );
}

async function laneEventTypes(sql: Sql, laneId: string): Promise<string[]> {
  const rows = await sql.query<{ type: string }>(
    `select type from tool_action_events where approval_id = ? order by seq`,
    [laneId],
  );
  return rows.map((r) => r.type);
}

async function waitHeldBack(sql: Sql, laneId: string): Promise<void> {
  await waitFor(
    `lane ${laneId} to be held back`,
    () =>
      sql.query(`select 1 from lane_redrives where lane_id = ? and redriven_at = 'infinity'`, [
        laneId,
      ]),
    (rows) => rows.length === 1,
  );
}

async function fingerprint(sql: Sql): Promise<string> {
  const [row] = await sql.query<Record<string, string>>(
    `select (select coalesce(string_agg(md5(t::text), '' order by id), '') from tool_approvals t) as lanes,
            (select coalesce(string_agg(md5(t::text), '' order by id), '') from tool_action_events t) as events,
            (select coalesce(string_agg(md5(t::text), '' order by id), '') from tool_proposals t) as proposals`,
  );
  return createHash('sha256').update(JSON.stringify(row)).digest('hex');
}

/** A job row of countersign's Agenda table. */
export interface JobRow {
  id: string;
  name: string;
  data: Record<string, unknown>;
  failed_at: Date | null;
  fail_reason: string | null;
  last_finished_at: Date | null;
  locked_at: Date | null;
}

async function jobRow(sql: Sql, id: string): Promise<JobRow | null> {
  const [row] = await sql.query<JobRow>(
    `select id, name, data, failed_at, fail_reason, last_finished_at, locked_at
       from countersign_jobs where id = ?`,
    [id],
  );
  return row ?? null;
}

export type JobClient = Awaited<ReturnType<typeof openJobClient>>;

/**
 * An Agenda client on countersign's job table that never processes: it stores jobs the way
 * a stray, duplicated or hand-written enqueue would, so tests can feed the workers directly.
 */
async function openJobClient(url: string) {
  const backend = new PostgresBackend({
    connectionString: url,
    tableName: 'countersign_jobs',
    channelName: 'countersign_jobs',
  });
  const agenda = new Agenda({ backend, name: 'test-job-client' });
  await agenda.ready;
  return {
    /** Stores a job due now; returns its id. */
    async now(name: string, data: unknown): Promise<string> {
      const job = await agenda.now(name, data as Record<string, unknown>);
      return String(job.attrs._id);
    },
    /** Stores a job due at `when`; returns its id. */
    async at(when: Date, name: string, data: unknown): Promise<string> {
      const job = await agenda.schedule(when, name, data as Record<string, unknown>);
      return String(job.attrs._id);
    },
    close: () => backend.disconnect(),
  };
}

let tags = 0;

/** A tag unique to this process and test run, to key an input and its side effects. */
export function uniqueTag(prefix: string): string {
  tags += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${tags}`;
}

async function settleLaneJobs(
  sql: Sql,
  liveWorkers: readonly string[] = [`countersign-${process.pid}`],
): Promise<void> {
  await waitFor(
    'the lane jobs of the live workers to finish',
    () =>
      sql.query(
        // Queued (due, unlocked) or in flight in a live worker. A job whose run finished but
        // whose removal a killed process never made (no next run, no lock) is done.
        `select name, data, locked_at, last_modified_by, next_run_at, last_finished_at,
                (select status from tool_approvals where id::text = data->>'laneId') as lane
           from countersign_jobs
          where name <> 'countersign:reconcile' and failed_at is null
            and ((locked_at is null and next_run_at is not null)
              or (locked_at is not null and last_modified_by = any(?::text[])))`,
        [`{${liveWorkers.join(',')}}`],
      ),
    (rows) => rows.length === 0,
    30_000,
  );
}
