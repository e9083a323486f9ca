import { describe, expect, it } from 'vitest';
import { boundedJsonSize } from '../../src/pipeline/faithfulJson.js';

describe('boundedJsonSize', () => {
  it('counts a value as JSON roughly: text and its quotes, 8 for any other scalar, keys', () => {
    expect(boundedJsonSize('', 100)).toBe(2);
    expect(boundedJsonSize('xy', 100)).toBe(4);
    expect(boundedJsonSize(12345678901, 100)).toBe(8);
    // { "a": "xy" }: braces 2, key 1 + 3, text 2 + 2.
    expect(boundedJsonSize({ a: 'xy' }, 100)).toBe(10);
    expect(boundedJsonSize([1, null, true], 100)).toBe(26);
    expect(boundedJsonSize({ list: [{ k: 'v' }] }, 100)).toBe(2 + 7 + 2 + (2 + 4 + 3)); // 20
  });

  it('stops at the limit: anything larger is limit + 1', () => {
    expect(boundedJsonSize('x'.repeat(100), 50)).toBe(51);
    expect(
      boundedJsonSize(
        Array.from({ length: 1_000 }, () => 'abc'),
        50,
      ),
    ).toBe(51);
    expect(boundedJsonSize({ ['k'.repeat(60)]: 1 }, 50)).toBe(51);
  });

  it('ends on a cycle and on nesting deeper than any schema takes, as over the limit', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(boundedJsonSize(cyclic, 10_000)).toBe(10_001);
    let deep: unknown = 'end';
    for (let i = 0; i < 2_000; i += 1) deep = [deep];
    expect(boundedJsonSize(deep, 1_000_000)).toBe(1_000_001);
  });
});
