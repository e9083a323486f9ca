import type { JsonBody } from './httpHarness.js';

/** One server-sent event as the stream framed it. */
export interface SseEvent {
  id: string;
  event: string;
  data: JsonBody;
}

/**
 * Opens `url` as an event stream and hands each event to `onEvent` until it returns true
 * (or `signal` aborts); then the connection is dropped, as a client that goes away does.
 */
export async function readEvents(
  url: string,
  token: string,
  onEvent: (e: SseEvent) => boolean,
  options: { lastEventId?: string; timeoutMs?: number } = {},
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  try {
    const res = await fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
      signal: controller.signal,
    });
    if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          frame
            .split('\n')
            .filter((l) => l && !l.startsWith(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]),
        );
        if (fields.data === undefined) continue;
        const done = onEvent({
          id: fields.id ?? '',
          event: fields.event ?? 'message',
          data: JSON.parse(fields.data),
        });
        if (done) return;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
