import { session } from './session.js';
import { followStream } from './sse.js';
import type { StreamState } from './sse.js';
import type { AuditEvent } from './types.js';

type Listener = (event: AuditEvent) => void;

const listeners = new Set<Listener>();
let running: AbortController | null = null;

/** Every audit event from now on, while signed in; returns the unsubscribe. */
export function onAudit(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const label: Record<StreamState, string> = {
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

/**
 * Opens the one stream the console shares: pages subscribe with {@link onAudit} rather
 * than each opening its own, so a reviewer's tab holds one connection.
 */
export function startLive(indicator: HTMLElement): void {
  running?.abort();
  const stop = new AbortController();
  running = stop;
  void followStream(
    '/events?from=now',
    () => {
      const token = session.token();
      return token ? { authorization: `Bearer ${token}` } : null;
    },
    (frame) => {
      if (frame.event !== 'audit') return;
      const event = JSON.parse(frame.data) as AuditEvent;
      for (const l of listeners) l(event);
    },
    (state) => {
      indicator.textContent = label[state];
      indicator.dataset.state = state;
    },
    stop.signal,
  );
}

export function stopLive(): void {
  running?.abort();
  running = null;
}
