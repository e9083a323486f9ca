import { h } from '../dom.js';
import { localTime } from '../time.js';
import type { AuditEvent, Verification } from '../types.js';

/** What an event's payload says that a reviewer reads: a reason, a note, an error. */
function detail(e: AuditEvent): string {
  const p = e.payload ?? {};
  const said = ['reason', 'note', 'error', 'message', 'decision'].flatMap((k) =>
    typeof p[k] === 'string' ? [`${k}: ${p[k] as string}`] : [],
  );
  return said.join(' · ');
}

/** The lane's audit events, oldest first, and whether the chain verifies. */
export function timeline(events: AuditEvent[], verification: Verification | null): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'timeline-title', class: 'card' },
    h('h2', { id: 'timeline-title' }, 'Timeline'),
    h(
      'p',
      { id: 'chain-status', class: verification?.ok === false ? 'alert' : 'ok' },
      chainText(verification),
    ),
    h(
      'ol',
      { class: 'timeline', id: 'timeline' },
      events.map((e) =>
        h(
          'li',
          { 'data-type': e.type },
          h('span', { class: 'event-type' }, e.type.replace(/_/g, ' ')),
          ' by ',
          h('span', { class: 'actor' }, e.actorId),
          ' · ',
          h('time', { datetime: e.createdAt }, localTime(e.createdAt)),
          detail(e) ? h('div', { class: 'muted' }, detail(e)) : [],
        ),
      ),
    ),
  );
}

function chainText(v: Verification | null): string {
  if (!v) return 'The audit chain could not be checked.';
  if (v.ok) {
    return `The proposal's audit chain verifies: ${v.events} events${v.anchored ? ', anchored outside the database' : ''}.`;
  }
  return `The proposal's audit chain is broken: ${v.problem.replace(/_/g, ' ')} at event ${v.seq}${v.detail ? ` (${v.detail})` : ''}.`;
}
