/** Options of {@link createBatcher}. */
export interface BatcherOptions<T, R> {
  /** Handles a batch; answers with one result per item, in item order. */
  run: (items: T[]) => Promise<R[]>;
  /** Calls of `run` at once. */
  maxInFlight: number;
  /** Items per call of `run`. */
  maxBatch: number;
  /** Items that share a key never share a batch (an item may have several keys). */
  keyOf?: (item: T) => string | readonly string[];
  /**
   * Whether the items of a failed batch may be run again one by one: only when the failure
   * shows the batch took no effect. @default always
   */
  retryAlone?: (error: unknown) => boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: an item submitted while a batch is under way waits, and goes with the other
 * waiting ones in the next batch (a further batch, up to `maxInFlight`, starts at once only
 * for a full one). A lone caller never waits, so this costs no latency; under load, many
 * items share one round trip and one commit. When a batch of several fails (and
 * `retryAlone` allows), each of its items is run alone, so one bad item fails only itself.
 */
export function createBatcher<T, R>(options: BatcherOptions<T, R>): (item: T) => Promise<R> {
  const { run, maxInFlight, maxBatch, keyOf, retryAlone = () => true } = options;
  const waiting: Waiting<T, R>[] = [];
  let inFlight = 0;

  const takeBatch = () => {
    const batch: Waiting<T, R>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < waiting.length && batch.length < maxBatch;) {
      const itemKeys = [keyOf?.(waiting[i]!.item) ?? []].flat();
      if (itemKeys.some((key) => keys.has(key))) {
        i += 1;
        continue;
      }
      itemKeys.forEach((key) => keys.add(key));
      batch.push(...waiting.splice(i, 1));
    }
    return batch;
  };

  const settle = async (batch: Waiting<T, R>[]): Promise<void> => {
    let results: R[];
    try {
      results = await run(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1 || !retryAlone(error)) batch.forEach((w) => w.reject(error));
      // One at a time, within the failed batch's slot.
      else for (const w of batch) await settle([w]);
      return;
    }
    if (results.length !== batch.length) {
      const error = new Error(`a batch of ${batch.length} got ${results.length} results`);
      batch.forEach((w) => w.reject(error));
    } else batch.forEach((w, i) => w.resolve(results[i]!));
  };

  // Beyond the first, a batch goes out only when a full one is waiting: smaller batches
  // would only split the waiting items, at the cost of a round trip each.
  const canStart = () =>
    waiting.length > 0 &&
    (inFlight === 0 || (inFlight < maxInFlight && waiting.length >= maxBatch));

  const pump = () => {
    while (canStart()) {
      const batch = takeBatch();
      inFlight += 1;
      void settle(batch).finally(() => {
        inFlight -= 1;
        pump();
      });
    }
  };

  // A batch starts one microtask late, so that callers resumed by the same event (a batch of
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

/**
 * A batcher per key (such as a case), made when first used and dropped once it has nothing
 * left: the items of one key go in batches, one batch at a time, each run with its key.
 */
export function createKeyedBatcher<T, R>(
  options: Omit<BatcherOptions<T, R>, 'run' | 'maxInFlight'> & {
    run: (key: string, items: T[]) => Promise<R[]>;
  },
): (key: string, item: T) => Promise<R> {
  const batchers = new Map<string, { submit: (item: T) => Promise<R>; pending: number }>();
  return (key, item) => {
    let batcher = batchers.get(key);
    if (!batcher) {
      const run = (items: T[]) => options.run(key, items);
      batcher = { submit: createBatcher({ ...options, run, maxInFlight: 1 }), pending: 0 };
      batchers.set(key, batcher);
    }
    const used = batcher;
    used.pending += 1;
    return used.submit(item).finally(() => {
      used.pending -= 1;
      if (used.pending === 0) batchers.delete(key);
    });
  };
}
