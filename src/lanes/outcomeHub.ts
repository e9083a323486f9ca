import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import pg from 'pg';
import { isUuid } from '../../persistence/batchSlots.js';
import { findOutcomes } from '../../persistence/laneList.repository.js';
import { OUTCOME_CHANNEL } from '../../persistence/lane.repository.js';
import type { LaneRow } from '../../persistence/rows.js';
import { outcomeLaneStatuses } from '../../machines/laneTypes.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { publish } from '../telemetry.js';

/** What a waiter learns: the proposal's status and its latest lane, once the call is settled. */
export interface Settled {
  proposalStatus: string;
  lane: LaneRow | null;
}

/**
 * What a waiter is answered: its call settled, null for no such proposal (an id that is not a
 * UUID names none), or `closed` when the governance closed first.
 */
export type HubAnswer = Settled | null | 'closed';

interface Waiter {
  settle(answer: HubAnswer): void;
  /** Its own proposal could not be read: the error, rather than a wait that never ends. */
  fail(error: unknown): void;
}

/** One proposal as the shared read found it, or the error of that read. */
type Read = { found: Settled | null } | { error: unknown };

/** The hub's timing: a read of every waited proposal this often, whatever else wakes it. */
export interface OutcomeHubOptions {
  /** @default 1000 (the embedded database: 100, as nothing else wakes it) */
  pollIntervalMs?: number;
}

const ended = (s: Settled) =>
  s.proposalStatus === 'blocked' ||
  (s.lane !== null && outcomeLaneStatuses.includes(s.lane.status as never));

/**
 * Every waiter of a governance, served by one loop: one read for all waited proposals at a
 * time, run when a commit says a lane ended (NOTIFY from any process on a server, the
 * telemetry channel in this one) and at the poll interval as a safety net. No waiter polls.
 */
export function createOutcomeHub(rt: GovernanceRuntime, options: OutcomeHubOptions = {}) {
  const pollMs = options.pollIntervalMs ?? (rt.db.embedded ? 100 : 1_000);
  const waiters = new Map<string, Set<Waiter>>();
  let running = false;
  let woken: (() => void) | null = null;
  // Proposals a commit named since the last read: the next read is of them only, unless the
  // poll is due (or a waiter just arrived), when it is of every waited proposal.
  const named = new Set<string>();
  let readAll = false;
  let listener: pg.Client | null = null;
  let closed = false;
  const wake = (proposalId?: string) => {
    if (proposalId === undefined) readAll = true;
    else named.add(proposalId);
    woken?.();
  };
  const answerAll = (id: string, answer: (w: Waiter) => void) => {
    for (const w of waiters.get(id) ?? []) answer(w);
    waiters.delete(id);
  };
  const onTransition = (message: unknown) => {
    const { proposalId, to } = message as { proposalId: string; to: string };
    if (waiters.has(proposalId) && outcomeLaneStatuses.includes(to as never)) wake(proposalId);
  };

  async function listen(): Promise<void> {
    if (listener || rt.db.embedded || closed) return;
    const client = new pg.Client({ connectionString: rt.db.url });
    listener = client;
    client.on('notification', (n) => {
      if (n.payload && waiters.has(n.payload)) wake(n.payload);
    });
    // A lost connection leaves the poll to do the work; the next waiter listens again.
    client.on('error', () => {
      if (listener === client) listener = null;
    });
    await client
      .connect()
      .then(() => client.query(`listen ${OUTCOME_CHANNEL}`))
      .catch(() => {
        if (listener === client) listener = null;
      });
  }

  // One statement for every id; a failure is each waiter's answer (a DatabaseError), not a
  // wait that retries a read that cannot succeed.
  async function read(ids: string[]): Promise<Map<string, Read>> {
    try {
      const rows = await rt.withEm('awaitOutcome', (em) => findOutcomes(em, ids));
      const byId = new Map(rows.map((r) => [r.proposalId, r]));
      return new Map(ids.map((id) => [id, { found: byId.get(id) ?? null }]));
    } catch (error) {
      return new Map(ids.map((id) => [id, { error }]));
    }
  }

  async function loop(): Promise<void> {
    running = true;
    subscribe('countersign:lane_transition', onTransition);
    try {
      while (waiters.size > 0 && !closed) {
        const ids = readAll ? [...waiters.keys()] : [...named].filter((id) => waiters.has(id));
        readAll = false;
        named.clear();
        publish('outcomePoll', { waiting: ids.length });
        const reads = await read(ids);
        // An unknown proposal settles at once (as null), an unsettled one waits for the next read.
        for (const [id, r] of reads) {
          if ('error' in r) answerAll(id, (w) => w.fail(r.error));
          else if (!r.found || ended(r.found)) answerAll(id, (w) => w.settle(r.found));
        }
        if (waiters.size === 0) break;
        if (readAll || named.size > 0) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            readAll = true;
            resolve();
          }, pollMs);
          woken = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        woken = null;
      }
    } finally {
      unsubscribe('countersign:lane_transition', onTransition);
      running = false;
    }
  }

  return {
    /**
     * Resolves with the {@link HubAnswer}, or rejects with the error of a read of this proposal
     * that failed; `stop` drops the waiter.
     */
    wait(proposalId: string): { settled: Promise<HubAnswer>; stop(): void } {
      let waiter!: Waiter;
      const settled = new Promise<HubAnswer>(
        (resolve, reject) => (waiter = { settle: resolve, fail: reject }),
      );
      // Answered without a read: a batch holds only ids that can be read, and none after close.
      if (closed || !isUuid(proposalId)) {
        waiter.settle(closed ? 'closed' : null);
        return { settled, stop: () => {} };
      }
      const set = waiters.get(proposalId) ?? new Set();
      set.add(waiter);
      waiters.set(proposalId, set);
      void listen();
      // Its first read may find it settled already.
      wake(proposalId);
      if (!running) void loop();
      return {
        settled,
        stop() {
          set.delete(waiter);
          if (set.size === 0 && waiters.get(proposalId) === set) waiters.delete(proposalId);
        },
      };
    },
    /** How many waiters are waiting. */
    size: () => [...waiters.values()].reduce((n, s) => n + s.size, 0),
    /** Answers every waiter `closed`, now and from then on, and stops listening. */
    async close(): Promise<void> {
      closed = true;
      for (const id of [...waiters.keys()]) answerAll(id, (w) => w.settle('closed'));
      wake();
      const client = listener;
      listener = null;
      await client?.end().catch(() => {});
    },
  };
}

export type OutcomeHub = ReturnType<typeof createOutcomeHub>;
