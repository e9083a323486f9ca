import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Agenda keeps a timer per running job (half its lock lifetime) and per job due soon; after
 * `close()` they would hold the process open for up to the longest tool timeout. Timers set
 * while Agenda works for a scheduler are recorded here, so closing it can unref them: they
 * still fire if the process lives on, but never keep it alive.
 */
const owner = new AsyncLocalStorage<Set<NodeJS.Timeout>>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const setTimer = globalThis.setTimeout;
  const clearTimer = globalThis.clearTimeout;
  const live = new Map<NodeJS.Timeout, Set<NodeJS.Timeout>>();
  const wrappedSet = function (
    this: unknown,
    callback: (...a: unknown[]) => void,
    ...rest: unknown[]
  ) {
    const timers = owner.getStore();
    if (!timers || typeof callback !== 'function') {
      return Reflect.apply(setTimer, this, [callback, ...rest]) as NodeJS.Timeout;
    }
    const timer: NodeJS.Timeout = Reflect.apply(setTimer, this, [
      function (this: unknown, ...args: unknown[]) {
        timers.delete(timer);
        live.delete(timer);
        return callback.apply(this, args);
      },
      ...rest,
    ]);
    timers.add(timer);
    live.set(timer, timers);
    return timer;
  };
  Object.defineProperties(wrappedSet, Object.getOwnPropertyDescriptors(setTimer));
  globalThis.setTimeout = wrappedSet as typeof setTimeout;
  globalThis.clearTimeout = function (this: unknown, timer?: NodeJS.Timeout | string | number) {
    if (timer && typeof timer === 'object') {
      live.get(timer)?.delete(timer);
      live.delete(timer);
    }
    return Reflect.apply(clearTimer, this, [timer]);
  } as typeof clearTimeout;
}

/** The timers Agenda sets inside `run` (and everything it starts) for one scheduler. */
export function agendaTimerScope(): {
  run<T>(fn: () => T): T;
  /** Lets the process exit without waiting for them. */
  release(): void;
} {
  install();
  const timers = new Set<NodeJS.Timeout>();
  return {
    run: (fn) => owner.run(timers, fn),
    release() {
      for (const t of timers) t.unref();
      timers.clear();
    },
  };
}
