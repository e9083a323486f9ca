import { h } from '../dom.js';
import { ago, timeLeft } from '../time.js';
import type { LaneSummary } from '../types.js';

/** "1 of 2": approvals so far of those the lane needs (one when it has no quorum). */
export function quorumText(lane: LaneSummary): string {
  const q = lane.approval.quorum;
  return q ? `${q.approvals} of ${q.count}` : '0 of 1';
}

/** Where the call was proposed: its conversation and case (with path), as far as known. */
export function whereText(p: LaneSummary['proposal']): string {
  const parts = [];
  if (p.conversationId) parts.push(`conversation ${p.conversationId}`);
  if (p.caseId) parts.push(`case ${p.caseId.slice(0, 8)}${p.casePath ? ` ${p.casePath}` : ''}`);
  return parts.join(' · ') || '—';
}

/** One inbox row; `toggle` runs when its checkbox changes. */
export function laneRow(
  lane: LaneSummary,
  selected: boolean,
  current: boolean,
  toggle: (id: string, on: boolean) => void,
): HTMLTableRowElement {
  const { approval: a, proposal: p } = lane;
  const short = a.id.slice(0, 8);
  const box = h('input', {
    type: 'checkbox',
    id: `sel-${a.id}`,
    checked: selected,
    'aria-label': `Select ${p.toolName} lane ${short}`,
  });
  box.addEventListener('change', () => toggle(a.id, box.checked));
  return h(
    'tr',
    { 'data-lane-id': a.id, class: current ? 'current' : null },
    h('td', {}, box),
    h(
      'td',
      {},
      h('a', { href: `#/lanes/${a.id}`, class: 'lane-link' }, p.toolName),
      h('span', { class: 'muted' }, ` ${short}`),
    ),
    h('td', {}, h('span', { class: `tier tier-${p.riskTier}` }, p.riskTier)),
    h('td', {}, p.actorId),
    h('td', {}, whereText(p)),
    h('td', { class: 'quorum' }, quorumText(lane)),
    h(
      'td',
      {},
      h(
        'time',
        { datetime: a.expiresAt ?? '', 'data-expires': a.expiresAt ?? '' },
        timeLeft(a.expiresAt),
      ),
    ),
    h('td', {}, h('time', { datetime: a.createdAt }, ago(a.createdAt))),
  );
}

/** The table around the rows, with a header checkbox that selects every row shown. */
export function laneTable(
  rows: HTMLTableRowElement[],
  allSelected: boolean,
  toggleAll: (on: boolean) => void,
) {
  const all = h('input', {
    type: 'checkbox',
    id: 'select-all',
    checked: allSelected,
    'aria-label': 'Select every lane shown',
  });
  all.addEventListener('change', () => toggleAll(all.checked));
  return h(
    'table',
    { class: 'lanes', 'aria-label': 'Pending lanes' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, all),
        h('th', { scope: 'col' }, 'Tool'),
        h('th', { scope: 'col' }, 'Risk'),
        h('th', { scope: 'col' }, 'Proposed by'),
        h('th', { scope: 'col' }, 'Where'),
        h('th', { scope: 'col' }, 'Approvals'),
        h('th', { scope: 'col' }, 'Time left'),
        h('th', { scope: 'col' }, 'Opened'),
      ),
    ),
    h('tbody', {}, rows),
  );
}
