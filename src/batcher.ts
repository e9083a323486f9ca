/** Options of {@link createBatcher}. */
export interface BatcherOptions<T, R> {
  /** Handles a batch; answers with one result per item, in item order. */
  run: (items: T[]) => Promise<R[]>;
  /** Calls of `run` at once. */
  maxInFlight: number;
  /** Items per call of `run`. */
  maxBatch: number;
  /** Items with equal keys never share a batch. */
  keyOf?: (item: T) => string;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: an item submitted while `maxInFlight` batches are under way waits, and
 * goes with the other waiting ones in the next batch. A lone caller never waits, so this
 * costs no latency; under load, many items share one round trip and one commit. When a
 * batch of several fails, each of its items is run alone, so one bad item fails only itself.
 */
export function createBatcher<T, R>(options: BatcherOptions<T, R>): (item: T) => Promise<R> {
  const { run, maxInFlight, maxBatch, keyOf } = options;
  const waiting: Waiting<T, R>[] = [];
  let inFlight = 0;

  const takeBatch = () => {
    const batch: Waiting<T, R>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < waiting.length && batch.length < maxBatch;) {
      const key = keyOf?.(waiting[i]!.item);
      if (key !== undefined && keys.has(key)) {
        i += 1;
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(...waiting.splice(i, 1));
    }
    return batch;
  };

  const settle = async (batch: Waiting<T, R>[]) => {
    try {
      const results = await run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else await Promise.all(batch.map((w) => settle([w])));
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = takeBatch();
      inFlight += 1;
      void settle(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  // A batch starts one microtask late, so that steps resumed by the same event (a batch of
  // reads answering) all join it rather than the first one leaving alone.
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      pump();
    });
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      schedule();
    });
}
