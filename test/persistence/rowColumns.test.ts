import { describe, expect, it } from 'vitest';
import { iso } from '../../persistence/rowColumns.js';

// What the mapping gave before PostgreSQL's UTC text had a path of its own.
const viaDate = (text: string) =>
  new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();

describe('iso', () => {
  it.each([
    '2026-01-01 10:00:00+00',
    '2026-01-01 10:00:00.5+00',
    '2026-01-01 10:00:00.05+00',
    '2026-01-01 10:00:00.123+00',
    '2026-01-01 10:00:00.123999+00',
    '2026-12-31 23:59:59.999999+00',
    '0001-01-01 00:00:00+00',
    '9999-12-31 23:59:59.000001+00',
  ])('reads PostgreSQL UTC text %s as Date would, milliseconds truncated', (text) => {
    expect(iso(text)).toBe(viaDate(text));
  });

  it('reads other offsets, Dates and nulls as before, and keeps a time no Date holds as text', () => {
    expect(iso('2026-01-01 12:00:00.25+02')).toBe('2026-01-01T10:00:00.250Z');
    expect(iso(new Date('2026-01-01T10:00:00.007Z'))).toBe('2026-01-01T10:00:00.007Z');
    expect(iso(null)).toBeNull();
    expect(iso(undefined)).toBeNull();
    expect(iso('infinity')).toBe('infinity');
    expect(iso('2026-01-01 10:00:00 BC+00')).toBe('2026-01-01 10:00:00 BC+00');
  });
});
