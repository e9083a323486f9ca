import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectOk, useLaneHarness } from './support/laneHarness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// MikroORM's query client: every statement countersign runs takes a connection through it.
const knexClient = createRequire(createRequire(import.meta.url).resolve('@mikro-orm/knex'))(
  'knex/lib/client',
) as { prototype: { acquireConnection(...args: unknown[]): unknown } };

interface Frame {
  fn: string;
  file: string;
}

/** countersign's own frames of a stack, innermost first. */
function framesOf(stack: string): Frame[] {
  return stack.split('\n').flatMap((line) => {
    // `at fn (file:line:col)`, or `at file:line:col` for an anonymous function.
    const m = /^\s*at (?:async )?(?:(.*?) \()?(?:file:\/\/)?([^()]*?):\d+:\d+\)?$/.exec(line);
    if (!m) return [];
    const file = relative(root, m[2]!);
    if (!/^(src|persistence|machines|scheduler)\//.test(file)) return [];
    return [{ fn: (m[1] ?? '<anonymous>').replace(/^Object\./, ''), file }];
  });
}

const same = (a: Frame, b: Frame) => a.fn === b.fn && a.file === b.file;

/**
 * The shared plumbing every call passes through is not a step of its own: the batch queue,
 * the tracing wrapper and withEm's error mapping.
 */
const plumbing = (f: Frame) =>
  f.file === 'src/batcher.ts' || f.file === 'src/tracing.ts' || f.fn === 'withEm';

/** Named steps: a callback belongs to the function that wrote it (the step before it). */
function steps(frames: Frame[]): Frame[] {
  const named: Frame[] = [];
  for (const f of frames.filter((x) => !plumbing(x))) {
    if (f.fn === '<anonymous>' && named.at(-1)?.file === f.file) continue;
    named.push(f);
  }
  return named;
}

describe('approve reaches its SQL', () => {
  let clockStack: string | null = null;
  let capturing = false;
  const h = useLaneHarness({
    clock: () => {
      if (capturing && clockStack === null) clockStack = new Error().stack ?? '';
      return new Date();
    },
  });

  it('in at most 6 frames, from the facade to the statement', async () => {
    const { laneId } = await h.openRefundLane();
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    // The way runs through three stacks, since the batch queue and awaits cut it:
    // the first clock read (sync from `approve`), the write's entry into its batch queue,
    // and the write statement taking its connection.
    const queued: string[] = [];
    const connecting: string[] = [];
    const queueMicrotask = globalThis.queueMicrotask;
    const acquire = knexClient.prototype.acquireConnection;
    globalThis.queueMicrotask = (callback) => {
      queued.push(new Error().stack ?? '');
      queueMicrotask(callback);
    };
    knexClient.prototype.acquireConnection = function (this: unknown, ...args: unknown[]) {
      connecting.push(new Error().stack ?? '');
      return acquire.apply(this, args);
    };
    capturing = true;
    try {
      expectOk(await h.gov.approve(laneId, 'bob'));
    } finally {
      capturing = false;
      globalThis.queueMicrotask = queueMicrotask;
      knexClient.prototype.acquireConnection = acquire;
      Error.stackTraceLimit = stackLimit;
    }

    const front = framesOf(clockStack ?? '').reverse(); // outermost first
    const enqueue = queued
      .map(framesOf)
      .find((fs) => fs.some((f) => f.file === 'src/lanes/laneStore.ts' && f.fn === 'write'));
    const statement = connecting
      .map(framesOf)
      .find((fs) => fs.some((f) => f.fn === 'writeActorRows'));
    expect(enqueue, 'the write entered its batch queue').toBeDefined();
    expect(statement, 'the write statement ran').toBeDefined();

    // The innermost frame of the first stack that the write descends from too.
    const middle = enqueue!.filter((f) => f.file !== 'src/batcher.ts').reverse();
    const shared = front.findLastIndex((f) => middle.some((m) => same(m, f)));
    expect(shared, 'the clock read and the write share a caller').toBeGreaterThanOrEqual(0);
    const fromShared = middle.findIndex((m) => same(m, front[shared]!));
    const back = statement!.filter((f) => f.file !== 'src/batcher.ts').reverse();

    const way = steps([...front.slice(0, shared + 1), ...middle.slice(fromShared + 1)]);
    const rest = steps(back);
    // The store's write is one step on both sides of its batch queue: enqueued by `write`,
    // run by the batch's `run` in the same module.
    expect(rest[0]?.file).toBe(way.at(-1)?.file);
    const names = [...way, ...rest.slice(1)].map((f) => f.fn);

    expect(names[0]).toBe('approve');
    expect(names.at(-1)).toBe('runStatement');
    expect(names.length, names.join(' → ')).toBeLessThanOrEqual(6);
  });
});
