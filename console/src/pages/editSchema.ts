import type { JsonSchema } from '../types.js';

/** A problem with the edited input: where (property names from the root) and what. */
export interface EditIssue {
  path: string[];
  message: string;
}

const typeOf = (s: JsonSchema): string | undefined =>
  Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;

/** A field the form can draw as one control; anything else is edited as JSON. */
export function fieldKind(
  s: JsonSchema,
): 'enum' | 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'json' {
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string' || typeof v === 'number'))
    return 'enum';
  const t = typeOf(s);
  if (t === 'object' && s.properties) return 'object';
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean') return t;
  return 'json';
}

/**
 * `fields` as the API names them (JSON Pointers, dotted or bare names) → paths. A path is
 * editable when it or one of its parents is listed; `null` lists everything.
 */
export function editable(fields: string[] | null): (path: string[]) => boolean {
  if (fields === null) return () => true;
  const allowed = fields.map((f) => f.replace(/^\//, '').split(/[/.]/).filter(Boolean));
  return (path) => allowed.some((a) => a.every((seg, i) => path[i] === seg));
}

// What a value of a JSON Schema `format` is, in words: the schema's pattern for one (zod's
// e-mail expression runs to hundreds of characters) says nothing to an approver.
const formatWords: Record<string, string> = {
  email: 'an e-mail address',
  'idn-email': 'an e-mail address',
  uri: 'a URL',
  url: 'a URL',
  uuid: 'a UUID',
  'date-time': 'a date and time (ISO 8601)',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time of day (HH:MM:SS)',
  duration: 'a duration (ISO 8601)',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  hostname: 'a host name',
};

/** The sentence for a string that fails its pattern: the format's words, else the pattern. */
function patternMessage({ format, pattern }: JsonSchema): string {
  if (format === undefined) return `Must match ${pattern}`;
  return `Must be ${formatWords[format] ?? `a valid ${format}`}`;
}

/**
 * Checks `value` against the subset of JSON Schema the form draws: types, required
 * properties, enums, number bounds, string lengths and patterns. The server judges again
 * (and fully); this only spares a round trip and says what is wrong next to the field.
 */
export function validate(schema: JsonSchema, value: unknown, path: string[] = []): EditIssue[] {
  const issue = (message: string): EditIssue[] => [{ path, message }];
  if (schema.enum && !schema.enum.some((v) => v === value)) {
    return issue(`Must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  const t = typeOf(schema);
  if (t === 'object' && schema.properties) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return issue('Expected an object');
    const obj = value as Record<string, unknown>;
    const out: EditIssue[] = [];
    for (const name of schema.required ?? []) {
      if (obj[name] === undefined) out.push({ path: [...path, name], message: 'Required' });
    }
    for (const [name, sub] of Object.entries(schema.properties)) {
      if (obj[name] !== undefined) out.push(...validate(sub, obj[name], [...path, name]));
    }
    return out;
  }
  if (t === 'number' || t === 'integer') {
    if (typeof value !== 'number' || Number.isNaN(value)) return issue('Expected a number');
    if (t === 'integer' && !Number.isInteger(value)) return issue('Expected a whole number');
    if (schema.minimum !== undefined && value < schema.minimum)
      return issue(`Must be at least ${schema.minimum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
      return issue(`Must be greater than ${schema.exclusiveMinimum}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum)
      return issue(`Must be at most ${schema.maximum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
      return issue(`Must be less than ${schema.exclusiveMaximum}`);
    }
    return [];
  }
  if (t === 'string') {
    if (typeof value !== 'string') return issue('Expected text');
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return issue(
        schema.minLength === 1 ? 'Must not be empty' : `At least ${schema.minLength} characters`,
      );
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      return issue(`At most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      return issue(patternMessage(schema));
    }
    return [];
  }
  if (t === 'boolean' && typeof value !== 'boolean') return issue('Expected true or false');
  return [];
}
