import { describe, expect, it } from 'vitest';
import { CanonicalText, canonicalForm, canonicalJson } from '../../src/canonicalJson.js';

// Sorted keys and JSON.stringify's own escaping, written the slow way.
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson', () => {
  it('escapes keys exactly as JSON.stringify does', () => {
    const keys = [
      'plain',
      'quo"te',
      'back\\slash',
      'nl\nx',
      '\u0000',
      '\u001f',
      '\u2028',
      'é',
      '😀',
      '\ud800',
      'a\udfffb',
      '',
      '10',
      '9',
    ];
    const value = Object.fromEntries(keys.map((k, i) => [k, { [k]: [i, k] }]));
    expect(canonicalJson(value)).toBe(reference(value));
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('writes canonical text it is handed as it is, where the value would be', () => {
    const payload = { b: [1, { d: 'x', c: null }], a: 'é' };
    const { text, value } = canonicalForm(payload);
    expect(text).toBe('{"a":"é","b":[1,{"c":null,"d":"x"}]}');
    expect(canonicalJson(value)).toBe(text);
    expect(canonicalJson({ z: 1, payload: new CanonicalText(text) })).toBe(
      canonicalJson({ z: 1, payload }),
    );
  });
});
