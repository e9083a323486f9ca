/** One server-sent event. */
export interface SseFrame {
  id: string | null;
  event: string;
  data: string;
  retry: number | null;
}

/**
 * Splits complete frames off `buffer` (the text read so far) and returns them with what is
 * left over. Follows the event-stream format: `:` comments, one optional space after the
 * colon, multi-line `data`, CRLF or LF line ends.
 */
export function parseFrames(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  const text = buffer.replace(/\r\n?/g, '\n');
  let start = 0;
  let end: number;
  while ((end = text.indexOf('\n\n', start)) >= 0) {
    const frame: SseFrame = { id: null, event: 'message', data: '', retry: null };
    const data: string[] = [];
    for (const line of text.slice(start, end).split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') frame.event = value;
      else if (field === 'id') frame.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
    }
    frame.data = data.join('\n');
    frames.push(frame);
    start = end + 2;
  }
  return { frames, rest: text.slice(start) };
}

/** What {@link followStream} reports besides events. */
export type StreamState = 'open' | 'reconnecting' | 'closed';

/**
 * Reads an event stream with `fetch`, because EventSource cannot send the bearer header,
 * and reconnects after a drop with `Last-Event-ID` so nothing is missed or repeated.
 */
export async function followStream(
  url: string,
  headers: () => Record<string, string> | null,
  onFrame: (frame: SseFrame) => void,
  onState: (state: StreamState) => void,
  signal: AbortSignal,
): Promise<void> {
  let lastId: string | null = null;
  let retryMs = 1_000;
  while (!signal.aborted) {
    const auth = headers();
    if (!auth) break;
    try {
      const res = await fetch(url, {
        headers: {
          ...auth,
          accept: 'text/event-stream',
          ...(lastId ? { 'last-event-id': lastId } : {}),
        },
        signal,
      });
      if (res.status === 401) break;
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      onState('open');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const { frames, rest } = parseFrames(buffer + value);
        buffer = rest;
        for (const f of frames) {
          if (f.retry !== null) retryMs = f.retry;
          if (f.id !== null) lastId = f.id;
          if (f.data) onFrame(f);
        }
      }
    } catch {
      // A dropped connection or a refused one: wait, then resume from the last id.
    }
    if (signal.aborted) break;
    onState('reconnecting');
    await new Promise((r) => setTimeout(r, retryMs));
  }
  onState('closed');
}
