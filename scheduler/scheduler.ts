import {
  context,
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { Agenda } from 'agenda';
import { agendaTimerScope } from './agendaTimers.js';
import { createJobBackend } from './jobBackend.js';
import { newJobNotificationsOnly } from './jobNotifications.js';
import type { JobBackendOptions } from './jobBackend.js';
import { jobNames, laneJobs, parseLanePayload, reconcileJobName } from './laneJobs.js';
import type { LaneJobHandlers, LaneJobName, LaneJobRequest } from './laneJobs.js';

const tracer = trace.getTracer('countersign');

/** How the workers poll and how many jobs each process runs at once. */
export interface WorkerOptions {
  /**
   * Polling interval (ms); with LISTEN/NOTIFY new jobs start sooner. Agenda starts the
   * recurring reconcile sweep only when it polls, so this also bounds how often it runs.
   * @default the smaller of 1000 and `reconcileEveryMs`
   */
  processEveryMs?: number | undefined;
  /** Lane jobs one process runs at once. @default 32 */
  concurrency?: number | undefined;
  /**
   * How often the reconcile sweep runs (ms); it bounds how late an expiry lands. Each run
   * is one Agenda job and four indexed reads, across all worker processes. @default 250
   */
  reconcileEveryMs?: number | undefined;
  /** Name of this worker in the job table (`last_modified_by`). */
  name?: string | undefined;
  /**
   * How long Agenda keeps a running lane job locked: past it, Agenda gives the job up. It
   * must outlast the longest tool run. @default 60000
   */
  lockLifetimeMs?: number | undefined;
  /** Connections of the job table's pool (PostgreSQL). @default 10 */
  poolSize?: number | undefined;
}

/** Agenda, set up for countersign's jobs. */
export interface Scheduler {
  /** Stores a lane job: resume and execution jobs now or at `runAt`. */
  enqueue(job: LaneJobRequest): Promise<void>;
  /** Defines the workers and starts processing in this process. */
  startWorkers(handlers: LaneJobHandlers): Promise<void>;
  /** Lets running jobs finish (up to `timeoutMs`) and stops processing; `enqueue` still works. */
  stopWorkers(timeoutMs?: number): Promise<void>;
  /** Stops processing (draining first) and disconnects. */
  close(): Promise<void>;
}

/**
 * Creates the scheduler. Expiry jobs are not stored one per lane: the reconcile sweep
 * expires every lane that fell due, many per statement, which keeps a burst of deadlines
 * from becoming a burst of jobs. A host that injects its own `enqueue` still receives them.
 */
export async function createScheduler(
  backend: JobBackendOptions,
  options: WorkerOptions = {},
): Promise<Scheduler> {
  const concurrency = options.concurrency ?? 32;
  const lockLifetime = options.lockLifetimeMs ?? 60_000;
  const reconcileEveryMs = options.reconcileEveryMs ?? 250;
  // Agenda and its backend are created and started inside the scope: every timer they set
  // (and their connections' callbacks set) is recorded.
  const timers = agendaTimerScope();
  const jobBackend = await timers.run(() =>
    createJobBackend({ ...backend, poolSize: options.poolSize }),
  );
  const channel = jobBackend.notificationChannel;
  const agenda = timers.run(
    () =>
      new Agenda({
        backend: jobBackend,
        ...(channel ? { notificationChannel: newJobNotificationsOnly(channel) } : {}),
        name: options.name ?? `countersign-${process.pid}`,
        processEvery: options.processEveryMs ?? Math.min(1000, reconcileEveryMs),
        maxConcurrency: concurrency + 1,
        defaultConcurrency: concurrency,
        defaultLockLimit: concurrency,
        lockLimit: concurrency + 1,
        removeOnComplete: true,
      }),
  );
  await timers.run(() => agenda.ready);
  let started = false;
  const stopWorkers = async (timeoutMs = 30_000) => {
    if (!started) return;
    started = false;
    const controller = new AbortController();
    let drained = false;
    const draining = agenda
      .drain({ signal: controller.signal, timeout: timeoutMs, closeConnection: false })
      .finally(() => (drained = true));
    // Agenda's drain can miss the completion of a job removed on completion and then waits
    // out its whole timeout, so the running count is watched here as well (until the drain
    // ends by itself, after which Agenda refuses to report stats).
    const deadline = Date.now() + timeoutMs;
    while (!drained && Date.now() < deadline) {
      const stats = await agenda.getRunningStats().catch(() => null);
      if (!stats || stats.runningJobs === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    controller.abort();
    await draining;
  };

  return {
    async enqueue(job) {
      if (job.name === jobNames['approval-expiry']) return;
      // The job carries the trace context it was declared in, so its run joins that trace.
      const trace: Record<string, string> = {};
      propagation.inject(context.active(), trace);
      const data =
        Object.keys(trace).length > 0 ? { laneId: job.laneId, trace } : { laneId: job.laneId };
      if (job.runAt && job.runAt.getTime() > Date.now())
        await agenda.schedule(job.runAt, job.name, data);
      else await agenda.now(job.name, data);
    },

    async startWorkers(handlers) {
      if (started) return;
      started = true;
      for (const [name, perform] of Object.entries(laneJobs)) {
        agenda.define(
          name as LaneJobName,
          async (agendaJob) => {
            const { laneId, trace } = parseLanePayload(name, agendaJob.attrs.data);
            const parent = propagation.extract(ROOT_CONTEXT, trace ?? {});
            const attributes = { 'countersign.job': name, 'countersign.lane_id': laneId };
            await tracer.startActiveSpan(name, { attributes }, parent, async (span) => {
              try {
                const outcome = await perform(handlers, laneId);
                span.setAttribute('countersign.outcome', outcome.status);
                // An unknown lane fails the job, with the reason, and touches nothing.
                if (outcome.status === 'not_found') throw new Error(`${name}: no lane ${laneId}`);
              } catch (error) {
                span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
                throw error;
              } finally {
                span.end();
              }
            });
          },
          { concurrency, lockLifetime },
        );
      }
      // A short lock: a process that dies holding it stops every sweep until it lapses.
      // A sweep that outlives it is failed by Agenda and another may start; lane writes are
      // version-checked, so two sweeps cannot both move one lane.
      agenda.define(reconcileJobName, async () => void (await handlers.reconcile()), {
        concurrency: 1,
        lockLifetime: Math.max(5 * reconcileEveryMs, 5_000),
      });
      const failures = metrics.getMeter('countersign').createCounter('countersign.job.failures', {
        description: 'Jobs that failed, by job name',
      });
      // Counted where they ran: Agenda also relays other processes' failures (`remote`).
      agenda.on('fail', (_e: unknown, job: { attrs?: { name?: string } }, remote?: boolean) => {
        if (!remote) failures.add(1, { job: job.attrs?.name ?? 'unknown' });
      });
      await timers.run(() => agenda.start());
      await agenda.every(reconcileEveryMs, reconcileJobName, undefined, {
        skipImmediate: false,
      });
    },

    stopWorkers,

    async close() {
      await stopWorkers();
      // Agenda's stop() skips the disconnect once drained, so the backend is closed here.
      await jobBackend.disconnect();
      timers.release();
    },
  };
}
