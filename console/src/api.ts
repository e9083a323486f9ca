import { session } from './session.js';
import type { Refusal } from './types.js';

/** A call the server refused, with the body it answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Refusal,
  ) {
    super(body.message ?? `${status} ${body.error}`);
  }
}

/** Called when the server no longer accepts the token: the console signs out. */
let onUnauthorized: () => void = () => {};
export const setUnauthorizedHandler = (fn: () => void): void => void (onUnauthorized = fn);

/**
 * A JSON call as the signed-in person (or as `asToken`, to check one before keeping it);
 * any non-2xx answer is an {@link ApiError}.
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  asToken?: string,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = asToken ?? session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { error: 'invalid_response', message: text.slice(0, 200) };
  }
  if (res.status === 401 && asToken === undefined) onUnauthorized();
  if (!res.ok) throw new ApiError(res.status, (parsed ?? { error: String(res.status) }) as Refusal);
  return parsed as T;
}

/** A query string from the set fields of `params` (arrays repeat their key). */
export function query(
  params: Record<string, string | string[] | number | null | undefined>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) for (const one of v) q.append(k, one);
    else if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
