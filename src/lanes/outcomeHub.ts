import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import pg from 'pg';
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

interface Waiter {
  settle(found: Settled | null): void;
}

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

  async function loop(): Promise<void> {
    running = true;
    subscribe('countersign:lane_transition', onTransition);
    try {
      while (waiters.size > 0 && !closed) {
        const ids = readAll ? [...waiters.keys()] : [...named].filter((id) => waiters.has(id));
        readAll = false;
        named.clear();
        publish('outcomePoll', { waiting: ids.length });
        const found = await rt
          .withEm('awaitOutcome', (em) => findOutcomes(em, ids))
          .catch(() => null);
        const byId = new Map((found ?? []).map((f) => [f.proposalId, f]));
        for (const id of ids) {
          const f = byId.get(id);
          // An unknown proposal settles at once (as null); a read that failed waits for the next.
          if (found && (!f || ended(f))) {
            for (const w of waiters.get(id) ?? []) w.settle(f ?? null);
            waiters.delete(id);
          }
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
    /** Resolves with the settled call, or null for no such proposal; `stop` drops the waiter. */
    wait(proposalId: string): { settled: Promise<Settled | null>; stop(): void } {
      let waiter!: Waiter;
      const settled = new Promise<Settled | null>((resolve) => (waiter = { settle: resolve }));
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
    async close(): Promise<void> {
      closed = true;
      wake();
      const client = listener;
      listener = null;
      await client?.end().catch(() => {});
    },
  };
}

export type OutcomeHub = ReturnType<typeof createOutcomeHub>;
