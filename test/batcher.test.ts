import { describe, expect, it } from 'vitest';
import { createBatcher, createKeyedBatcher } from '../src/batcher.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every queued microtask (and the ones they queue) run. */
const settled = () => new Promise((r) => setTimeout(r, 0));

/** A batcher whose `run` answers each item doubled, recording the batches it saw. */
function doubling(options: { maxInFlight: number; maxBatch: number }) {
  const batches: number[][] = [];
  const submit = createBatcher<number, number>({
    ...options,
    run: async (items) => {
      batches.push(items);
      return items.map((n) => n * 2);
    },
  });
  return { submit, batches };
}

/**
 * A batcher whose batches stay open until the test answers them: `open[i]` answers the
 * i-th batch, each item doubled.
 */
function heldOpen(options: { maxInFlight: number; maxBatch: number }) {
  const batches: number[][] = [];
  const open: (() => void)[] = [];
  const submit = createBatcher<number, number>({
    ...options,
    run: (items) => {
      batches.push(items);
      const d = deferred<number[]>();
      open.push(() => d.resolve(items.map((n) => n * 2)));
      return d.promise;
    },
  });
  return { submit, batches, open };
}

describe('createBatcher', () => {
  it('puts items submitted in one synchronous run in one batch, answers in order', async () => {
    const { submit, batches } = doubling({ maxInFlight: 1, maxBatch: 16 });

    const results = await Promise.all([1, 2, 3, 4, 5].map(submit));

    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(results).toEqual([2, 4, 6, 8, 10]);
  });

  it('puts items submitted by microtasks already queued (one burst) in one batch', async () => {
    const { submit, batches } = doubling({ maxInFlight: 1, maxBatch: 16 });
    // Like steps resumed by one batch of reads answering: all their continuations are queued
    // before the first submit schedules the batch.
    const gate = Promise.resolve();
    const results = await Promise.all([7, 8, 9].map((n) => gate.then(() => submit(n))));

    expect(batches).toEqual([[7, 8, 9]]);
    expect(results).toEqual([14, 16, 18]);
  });

  it('runs a lone item at once, in a batch of one', async () => {
    const { submit, batches } = doubling({ maxInFlight: 1, maxBatch: 16 });

    const result = submit(21);
    expect(batches).toEqual([]); // one microtask late, not synchronously
    await Promise.resolve();
    expect(batches).toEqual([[21]]); // but no timer: the next microtask already saw it

    expect(await result).toBe(42);
  });

  it('holds items back while maxInFlight batches run, then sends them together', async () => {
    const { submit, batches, open } = heldOpen({ maxInFlight: 1, maxBatch: 16 });

    const first = submit(1);
    await settled();
    expect(batches).toEqual([[1]]);

    const waiting = [2, 3, 4].map(submit);
    await settled();
    expect(batches).toEqual([[1]]); // the first batch is still running

    open[0]!();
    expect(await first).toBe(2);
    await settled();
    expect(batches).toEqual([[1], [2, 3, 4]]);

    open[1]!();
    expect(await Promise.all(waiting)).toEqual([4, 6, 8]);
  });

  it('starts a further batch while one runs only when a full batch waits', async () => {
    const { submit, batches, open } = heldOpen({ maxInFlight: 2, maxBatch: 3 });

    const first = [submit(1)];
    await settled();
    const partial = [submit(2), submit(3)];
    await settled();
    expect(batches).toEqual([[1]]); // two waiting items are not a full batch

    const more = [4, 5].map(submit);
    await settled();
    expect(batches).toEqual([[1], [2, 3, 4]]); // a full batch takes the second slot

    const late = [submit(6)];
    await settled();
    expect(batches).toHaveLength(2); // both slots taken

    open[1]!(); // a slot is free, but two waiting items are still not a full batch
    await settled();
    expect(batches).toHaveLength(2);

    open[0]!(); // nothing in flight: whatever waits goes
    await settled();
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);

    open[2]!();
    expect(await Promise.all([...first, ...partial, ...more, ...late])).toEqual([
      2, 4, 6, 8, 10, 12,
    ]);
  });

  it('caps a batch at maxBatch items', async () => {
    const { submit, batches } = doubling({ maxInFlight: 1, maxBatch: 3 });

    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(submit));

    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14]);
  });

  it('never puts two items with equal keys in one batch, and completes them all', async () => {
    const batches: string[][] = [];
    const submit = createBatcher<{ key: string; value: string }, string>({
      maxInFlight: 1,
      maxBatch: 16,
      keyOf: (item) => item.key,
      run: async (items) => {
        batches.push(items.map((i) => i.value));
        return items.map((i) => i.value.toUpperCase());
      },
    });

    const items = [
      { key: 'a', value: 'a1' },
      { key: 'a', value: 'a2' },
      { key: 'b', value: 'b1' },
      { key: 'a', value: 'a3' },
      { key: 'c', value: 'c1' },
      { key: 'b', value: 'b2' },
    ];
    const results = await Promise.all(items.map(submit));

    // Each batch takes the oldest item of each key; the later ones wait for the next batch.
    expect(batches).toEqual([['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']]);
    expect(results).toEqual(['A1', 'A2', 'B1', 'A3', 'C1', 'B2']);
  });

  it('keeps apart items that share any one of their keys', async () => {
    const batches: string[][] = [];
    const submit = createBatcher<{ keys: string[]; value: string }, string>({
      maxInFlight: 1,
      maxBatch: 16,
      keyOf: (item) => item.keys,
      run: async (items) => {
        batches.push(items.map((i) => i.value));
        return items.map((i) => i.value);
      },
    });

    // A lane write names its proposal and its case: two writes of one case never share a
    // statement, though their proposals differ.
    const items = [
      { keys: ['p1', 'case:x'], value: 'w1' },
      { keys: ['p2', 'case:x'], value: 'w2' },
      { keys: ['p3'], value: 'w3' },
      { keys: ['p1'], value: 'w4' },
      { keys: ['p5', 'case:y'], value: 'w5' },
    ];
    const results = await Promise.all(items.map(submit));

    expect(batches).toEqual([
      ['w1', 'w3', 'w5'],
      ['w2', 'w4'],
    ]);
    expect(results).toEqual(['w1', 'w2', 'w3', 'w4', 'w5']);
  });

  it('re-runs a failing batch item by item, so only the poisoned item rejects', async () => {
    const batches: string[][] = [];
    const poison = new Error('poisoned');
    const submit = createBatcher<string, string>({
      maxInFlight: 1,
      maxBatch: 16,
      run: async (items) => {
        batches.push(items);
        if (items.includes('bad')) throw poison;
        return items.map((i) => `ok:${i}`);
      },
    });

    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map(submit));

    expect(batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'ok:a' },
      { status: 'rejected', reason: poison },
      { status: 'fulfilled', value: 'ok:c' },
    ]);
  });

  it('rejects a batch of one with the error of run, without retrying, and carries on', async () => {
    const batches: string[][] = [];
    const failure = new Error('database down');
    const submit = createBatcher<string, string>({
      maxInFlight: 1,
      maxBatch: 16,
      run: async (items) => {
        batches.push(items);
        if (items[0] === 'x') throw failure;
        return items.map((i) => `ok:${i}`);
      },
    });

    await expect(submit('x')).rejects.toBe(failure);
    expect(batches).toEqual([['x']]);

    // The failed batch freed its slot: the next item still runs.
    expect(await submit('y')).toBe('ok:y');
    expect(batches).toEqual([['x'], ['y']]);
  });

  it('re-runs a failed batch one item at a time, within its slot', async () => {
    let running = 0;
    let most = 0;
    const submit = createBatcher<string, string>({
      maxInFlight: 1,
      maxBatch: 16,
      run: async (items) => {
        running += 1;
        most = Math.max(most, running);
        await settled();
        running -= 1;
        if (items.length > 1) throw new Error('refused');
        return items.map((i) => `ok:${i}`);
      },
    });

    const results = await Promise.all(['a', 'b', 'c', 'd'].map(submit));

    expect(results).toEqual(['ok:a', 'ok:b', 'ok:c', 'ok:d']);
    expect(most).toBe(1);
  });

  it('fails every item of a batch whose failure retryAlone does not clear', async () => {
    const batches: string[][] = [];
    const lost = new Error('connection lost');
    const submit = createBatcher<string, string>({
      maxInFlight: 1,
      maxBatch: 16,
      retryAlone: (error) => error !== lost,
      run: async (items) => {
        batches.push(items);
        throw lost;
      },
    });

    const outcomes = await Promise.allSettled(['a', 'b'].map(submit));

    expect(batches).toEqual([['a', 'b']]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
  });

  it('rejects the items of a batch that got fewer results than items', async () => {
    const submit = createBatcher<string, string>({
      maxInFlight: 1,
      maxBatch: 16,
      run: async (items) => items.slice(1),
    });

    const outcomes = await Promise.allSettled(['a', 'b'].map(submit));

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({
      message: 'a batch of 2 got 1 results',
    });
  });
});

describe('createKeyedBatcher', () => {
  it('runs one batch of a key at a time, gathering the next meanwhile; keys run side by side', async () => {
    const runs: string[] = [];
    let running = new Map<string, number>();
    let overlapOfOneKey = false;
    let releaseA: () => void = () => {};
    const submit = createKeyedBatcher<number, string>({
      maxBatch: 16,
      run: async (key, items) => {
        const now = (running.get(key) ?? 0) + 1;
        running = new Map(running).set(key, now);
        if (now > 1) overlapOfOneKey = true;
        runs.push(`${key}:${items.join(',')}`);
        // The first batch of `a` waits until `b` has run: keys do not wait for each other.
        if (key === 'a' && items[0] === 1) await new Promise<void>((r) => (releaseA = r));
        running = new Map(running).set(key, now - 1);
        return items.map((i) => `${key}${i}`);
      },
    });

    const first = submit('a', 1);
    await Promise.resolve();
    await Promise.resolve();
    const later = [submit('a', 2), submit('a', 3)];
    const other = await submit('b', 9);
    expect(runs).toEqual(['a:1', 'b:9']);
    releaseA();

    expect(await Promise.all([first, ...later])).toEqual(['a1', 'a2', 'a3']);
    expect(other).toBe('b9');
    // While `a`'s first batch ran, its next two gathered into one.
    expect(runs).toEqual(['a:1', 'b:9', 'a:2,3']);
    expect(overlapOfOneKey).toBe(false);

    // A key whose batches all ended starts afresh.
    expect(await submit('a', 4)).toBe('a4');
    expect(runs.at(-1)).toBe('a:4');
  });
});
