import { createActor } from 'xstate';
import type {
  AnyStateMachine,
  EmittedFrom,
  EventFromLogic,
  InputFrom,
  InspectionEvent,
  Snapshot,
  SnapshotFrom,
  StateValue,
} from 'xstate';

/**
 * A machine whose actors live for one cycle, with what its stored snapshots are checked
 * against: the id and version written beside every snapshot, and the upgrades from older
 * versions (key `n` upgrades version `n` to `n + 1`).
 */
export interface PersistedMachine<M extends AnyStateMachine> {
  machine: M;
  id: string;
  version: number;
  migrations: ReadonlyMap<number, SnapshotMigration>;
}

/** Upgrades a persisted snapshot of one version to the next. */
export type SnapshotMigration = (snapshot: Record<string, unknown>) => Record<string, unknown>;

/** A persisted snapshot with the machine it belongs to, as stored beside it. */
export interface StoredSnapshot {
  machineId: string;
  machineVersion: number;
  snapshot: unknown;
}

/** A snapshot ready to restore an actor from, or why it cannot be. */
export type SnapshotRestore =
  | { ok: true; snapshot: Snapshot<unknown>; upgradedFrom: number | null }
  | { ok: false; error: 'foreign_machine' | 'unsupported_version' | 'malformed'; detail: string };

/**
 * Checks a stored snapshot's machine id and version and runs the registered upgrades up to
 * the current version. Never guesses: an unknown id, a newer version, or a gap in the
 * migrations is refused.
 */
export function restoreSnapshot(
  spec: Pick<PersistedMachine<AnyStateMachine>, 'id' | 'version' | 'migrations'>,
  stored: StoredSnapshot,
): SnapshotRestore {
  if (stored.machineId !== spec.id) {
    return {
      ok: false,
      error: 'foreign_machine',
      detail: `snapshot belongs to machine "${stored.machineId}", not "${spec.id}"`,
    };
  }
  const candidate = stored.snapshot as Record<string, unknown> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    Array.isArray(candidate) ||
    typeof candidate.status !== 'string' ||
    candidate.value === undefined ||
    candidate.context === null ||
    typeof candidate.context !== 'object'
  ) {
    return {
      ok: false,
      error: 'malformed',
      detail: 'snapshot lacks a status, a state value or a context',
    };
  }
  let snapshot = candidate;
  for (let v = stored.machineVersion; v !== spec.version; v += 1) {
    const upgrade = v < spec.version ? spec.migrations.get(v) : undefined;
    if (!Number.isInteger(v) || !upgrade) {
      return {
        ok: false,
        error: 'unsupported_version',
        detail: `no migration from version ${v} of "${stored.machineId}" (current: ${spec.version})`,
      };
    }
    snapshot = upgrade(snapshot);
  }
  return {
    ok: true,
    snapshot: snapshot as unknown as Snapshot<unknown>,
    upgradedFrom: stored.machineVersion === spec.version ? null : stored.machineVersion,
  };
}

/** Where a cycle starts: a new actor from its input, or a restored snapshot. */
export type CycleStart<M extends AnyStateMachine> =
  { input: InputFrom<M> } | { snapshot: Snapshot<unknown> };

/** The actor's state after the start or after one event, with what that moment emitted. */
export interface CycleState<M extends AnyStateMachine> {
  /**
   * The persisted snapshot: what is stored, as JSON (a member left undefined is dropped
   * then). It shares objects with the machine's context: read it, never change it.
   */
  persisted: Record<string, unknown>;
  status: SnapshotFrom<M>['status'];
  value: StateValue;
  context: SnapshotFrom<M>['context'];
  /** What the machine emitted for the runtime to perform (its effects). */
  effects: EmittedFrom<M>[];
}

/** What a cycle produced: the starting state and one state per event, or the machine's error. */
export type CycleResult<M extends AnyStateMachine> =
  | { ok: true; start: CycleState<M>; states: CycleState<M>[] }
  | { ok: false; error: 'machine_error'; detail: string; cause: unknown };

/** Options of {@link runPersistedCycle}. */
export interface CycleOptions {
  /** An inspector (such as Stately's) that sees every transition of the cycle's one actor. */
  inspect?: (event: InspectionEvent) => void;
}

/**
 * A restored snapshot with its context copied by a spread. XState's `assign` copies the
 * context with `Object.assign`, and V8 makes such a copy of an object of more than about 16
 * keys a dictionary (several times slower to read and copy again) unless it already knows
 * that shape from a spread; the lane's context has 20 keys.
 */
function withSpreadContext(snapshot: Snapshot<unknown>): Snapshot<unknown> {
  const { context } = snapshot as { context?: unknown };
  if (context === null || typeof context !== 'object' || Array.isArray(context)) return snapshot;
  return { ...snapshot, context: { ...context } } as unknown as Snapshot<unknown>;
}

/**
 * The one persisted-actor cycle: start (fresh from `input`, or restored from `snapshot`),
 * send `events` in order, persist after each, stop. No actor outlives the call. An event
 * sent to a finished actor is not sent: it changes nothing and emits nothing. An inspector
 * sees every transition of the cycle's one actor.
 *
 * It runs a real actor rather than XState's pure `transition()`: in XState 5.33 each
 * `transition()` call builds an inert actor that evaluates the machine's initial state
 * without input, which costs more than the whole actor cycle (`npm run bench` prints both).
 *
 * @example
 * const result = runPersistedCycle(approvalLaneMachine, { input }, [approveEvent]);
 * if (result.ok) save(result.states[0].persisted);
 */
export function runPersistedCycle<M extends AnyStateMachine>(
  machine: M,
  start: CycleStart<M>,
  events: readonly EventFromLogic<M>[],
  options: CycleOptions = {},
): CycleResult<M> {
  const actor = createActor(
    machine,
    // A restored actor ignores input; the machine's type may ask for one all the same.
    ('input' in start
      ? { input: start.input, inspect: options.inspect }
      : { snapshot: withSpreadContext(start.snapshot), inspect: options.inspect }) as never,
  );
  let effects: EmittedFrom<M>[] = [];
  let failure: unknown = null;
  // Listeners go on before start(): the opening transition emits during start.
  actor.on('*', (effect) => void effects.push(effect as EmittedFrom<M>));
  // Without an error observer XState rethrows asynchronously, out of reach of the caller.
  actor.subscribe({ error: (error) => void (failure = error) });
  const take = (): CycleState<M> => {
    if (failure !== null) throw failure;
    const snapshot = actor.getSnapshot() as SnapshotFrom<M>;
    const { status, value, context } = snapshot as unknown as CycleState<M>;
    let persisted: Record<string, unknown> | undefined;
    const state = {
      // Computed when asked for: a caller usually stores only the last state.
      get persisted() {
        return (persisted ??= machine.getPersistedSnapshot(snapshot) as Record<string, unknown>);
      },
      status,
      value,
      context,
      effects,
    };
    effects = [];
    return state;
  };
  try {
    actor.start();
    const first = take();
    const states: CycleState<M>[] = [];
    for (const event of events) {
      // A finished actor takes no events; not sending spares XState's stopped-actor warning.
      if ((actor.getSnapshot() as { status: string }).status === 'active') actor.send(event);
      states.push(take());
    }
    return { ok: true, start: first, states };
  } catch (cause) {
    return { ok: false, error: 'machine_error', detail: `machine failed: ${String(cause)}`, cause };
  } finally {
    actor.stop();
  }
}
