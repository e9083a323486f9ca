import { randomBytes, randomUUID } from 'node:crypto';
import { Agenda } from 'agenda';
import type { JobWithState } from 'agenda';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobBackend } from '../../scheduler/jobBackend.js';
import type { JobOutcome, LaneJobHandlers } from '../../scheduler/laneJobs.js';
import { createScheduler } from '../../scheduler/scheduler.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { createTestDatabase, openSql } from '../support/testDatabase.js';
import { describeWithServer } from '../support/serverOnly.js';

const RESUME = 'countersign:approval-resume';
const EXECUTION = 'countersign:tool-execution';
const EXPIRY = 'countersign:approval-expiry';

interface StepCall {
  step: 'expire' | 'resume' | 'execute';
  laneId: string;
  at: number;
}

/** LaneJobHandlers that record every call; per lane, a delay and an outcome can be set. */
function recordingSteps() {
  const started: StepCall[] = [];
  const finished: StepCall[] = [];
  const delays = new Map<string, number>();
  const outcomes = new Map<string, JobOutcome>();
  let reconciles = 0;
  const step =
    (name: StepCall['step']) =>
    async (laneId: string): Promise<JobOutcome> => {
      started.push({ step: name, laneId, at: Date.now() });
      const delay = delays.get(laneId);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      finished.push({ step: name, laneId, at: Date.now() });
      return outcomes.get(laneId) ?? { status: 'applied', laneStatus: 'execution_pending' };
    };
  const steps: LaneJobHandlers = {
    expire: step('expire'),
    resume: step('resume'),
    execute: step('execute'),
    reconcile: async () => {
      reconciles += 1;
      return { timedOut: 0, lanesClosed: 0, expired: 0, interrupted: 0, resumed: 0, executed: 0 };
    },
  };
  return { steps, started, finished, delays, outcomes, reconciles: () => reconciles };
}

async function waitFor<T>(label: string, probe: () => Promise<T> | T, done: (v: T) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The same behaviours, whatever Agenda backend the URL picks. */
function schedulerContract(
  label: string,
  open: () => Promise<{ url: string; drop(): Promise<void> }>,
) {
  // Without a server the PostgreSQL contract (LISTEN/NOTIFY, several clients) is skipped.
  const suite = label === 'PostgreSQL' ? describeWithServer : describe;
  suite(`scheduler contract on ${label}`, () => {
    let store: { url: string; drop(): Promise<void> };
    let scheduler: Scheduler;
    let inspector: Agenda;
    let inspectorBackend: Awaited<ReturnType<typeof createJobBackend>>;
    const rec = recordingSteps();

    beforeAll(async () => {
      store = await open();
      scheduler = await createScheduler(
        { url: store.url, embedded: false },
        { processEveryMs: 200, reconcileEveryMs: 500 },
      );
      await scheduler.startWorkers(rec.steps);
      // A client that only reads the job store, through Agenda's own query API.
      inspectorBackend = await createJobBackend({ url: store.url, embedded: false });
      inspector = new Agenda({ backend: inspectorBackend, name: 'contract-inspector' });
      await inspector.ready;
    });
    afterAll(async () => {
      await scheduler?.close();
      await inspectorBackend?.disconnect();
      await store?.drop();
    });

    async function jobsFor(name: string, laneId: string): Promise<JobWithState[]> {
      const { jobs } = await inspector.queryJobs({ name });
      return jobs.filter((j) => (j.data as { laneId?: unknown } | null)?.laneId === laneId);
    }
    const callsFor = (laneId: string) => rec.started.filter((c) => c.laneId === laneId);

    it.each([
      [RESUME, 'resume'],
      [EXECUTION, 'execute'],
    ] as const)(
      'a %s job reaches steps.%s with its lane id, once, and is removed',
      async (name, step) => {
        const laneId = randomUUID();

        await scheduler.enqueue({ name, laneId, runAt: null });

        await waitFor(
          `${name} to be done`,
          () => jobsFor(name, laneId),
          (jobs) => jobs.length === 0,
        );
        expect(callsFor(laneId).map((c) => c.step)).toEqual([step]);
      },
    );

    it('a tool-execution job due in the future does not run before its runAt', async () => {
      const laneId = randomUUID();
      const runAt = new Date(Date.now() + 1_500);

      await scheduler.enqueue({ name: EXECUTION, laneId, runAt });

      const [stored] = await jobsFor(EXECUTION, laneId);
      expect(stored?.nextRunAt?.getTime()).toBe(runAt.getTime());
      await waitFor(
        'a point shortly before runAt',
        () => Date.now(),
        (now) => now >= runAt.getTime() - 300,
      );
      expect(callsFor(laneId)).toEqual([]);
      const [call] = await waitFor(
        'the execution',
        () => callsFor(laneId),
        (calls) => calls.length > 0,
      );
      expect(call!.at).toBeGreaterThanOrEqual(runAt.getTime());
    });

    it('an expiry request is not stored as a job: the reconcile sweep expires due lanes', async () => {
      const laneId = randomUUID();

      await scheduler.enqueue({ name: EXPIRY, laneId, runAt: new Date(Date.now() + 60_000) });

      expect(await jobsFor(EXPIRY, laneId)).toEqual([]);
    });

    it('a job whose payload fails validation fails with the reason and reaches no step', async () => {
      const before = rec.started.length;

      await scheduler.enqueue({ name: RESUME, laneId: 'not-a-uuid', runAt: null });

      const [job] = await waitFor(
        'the job to fail',
        () => jobsFor(RESUME, 'not-a-uuid'),
        (jobs) => jobs.some((j) => j.failedAt),
      );
      expect(job!.failReason).toMatch(
        /^countersign:approval-resume: invalid payload: .*Invalid UUID/,
      );
      expect(rec.started.slice(before).filter((c) => c.laneId === 'not-a-uuid')).toEqual([]);
    });

    it('a step that finds no lane fails its job, naming the lane', async () => {
      const laneId = randomUUID();
      rec.outcomes.set(laneId, { status: 'not_found' });

      await scheduler.enqueue({ name: RESUME, laneId, runAt: null });

      const [job] = await waitFor(
        'the job to fail',
        () => jobsFor(RESUME, laneId),
        (jobs) => jobs.some((j) => j.failedAt),
      );
      expect(job!.failReason).toBe(`countersign:approval-resume: no lane ${laneId}`);
    });

    it('runs the reconcile sweep on its own, again and again', async () => {
      const seen = rec.reconciles();

      await waitFor(
        'two more sweeps',
        () => rec.reconciles(),
        (n) => n >= seen + 2,
      );

      const { jobs } = await inspector.queryJobs({ name: 'countersign:reconcile' });
      expect(jobs).toHaveLength(1);
    });

    // Last: it stops this scheduler's workers.
    it('stopWorkers lets a running job finish, then resolves; later jobs are stored, not run', async () => {
      const laneId = randomUUID();
      rec.delays.set(laneId, 500);
      await scheduler.enqueue({ name: RESUME, laneId, runAt: null });
      await waitFor(
        'the slow resume to start',
        () => callsFor(laneId),
        (calls) => calls.length > 0,
      );

      // A hang guard, not a measure: the only running job needs 500 ms.
      const stopped = scheduler.stopWorkers(15_000).then(() => 'stopped' as const);
      const hung = new Promise<'hung'>((resolve) =>
        setTimeout(() => resolve('hung'), 10_000).unref(),
      );

      const first = await Promise.race([stopped, hung]);

      expect(rec.finished.filter((c) => c.laneId === laneId)).toHaveLength(1);
      expect(
        first,
        'stopWorkers still waiting 10 s after its only running job (500 ms) finished',
      ).toBe('stopped');
      const later = randomUUID();
      await scheduler.enqueue({ name: RESUME, laneId: later, runAt: null });
      expect(await jobsFor(RESUME, later)).toHaveLength(1);
      expect(callsFor(later)).toEqual([]);
    }, 30_000);
  });
}

/** A fresh database; dropped once Agenda's connections (some closed without waiting) are gone. */
async function freshPostgres() {
  const db = await createTestDatabase();
  return {
    url: db.url,
    async drop() {
      const sql = await openSql(db.url);
      try {
        await waitFor(
          'the scheduler connections to close',
          () =>
            sql.query(
              `select pid from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid()`,
            ),
          (rows) => rows.length === 0,
        );
      } finally {
        await sql.close();
      }
      await db.drop();
    },
  };
}

schedulerContract('PostgreSQL', freshPostgres);

const mongoUrl = process.env.MONGO_URL;

/** MONGO_URL with a database of its own, so runs never share a job collection. */
function freshMongoUrl(base: string): string {
  const name = `cs_test_${randomBytes(6).toString('hex')}`;
  try {
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  } catch {
    return base;
  }
}

describe.skipIf(!mongoUrl)('MongoDB backend (MONGO_URL)', () => {
  schedulerContract('MongoDB', async () => {
    const url = freshMongoUrl(mongoUrl!);
    return {
      url,
      async drop() {
        const client = new MongoClient(url);
        try {
          await client.db().dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
});

beforeAll(() => {
  if (!mongoUrl) {
    console.warn(
      'scheduler backend contract: the MongoDB cases were skipped because MONGO_URL is not set ' +
        '(set MONGO_URL=mongodb://… to run them against a MongoDB server)',
    );
  }
});
