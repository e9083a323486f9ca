import { api, query } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { onAudit } from '../live.js';
import { refusalAlert } from '../refusal.js';
import { shortcutHelp, useShortcuts } from '../shortcuts.js';
import type { Shortcut } from '../shortcuts.js';
import type { LanePage, LaneSummary } from '../types.js';
import { filterForm, filterQuery, filters, inboxPageSize } from './inboxFilters.js';
import { laneRow, laneTable } from './inboxRows.js';

/** Audit events that take a lane out of pending (with a quorum, maybe not yet). */
const leavesPending = new Set(['approved', 'rejected', 'deferred', 'expired', 'escalated']);

/** The inbox: pending lanes, filtered, with one batch decision for the selected ones. */
export function inboxPage(main: HTMLElement): () => void {
  let items: LaneSummary[] = [];
  let nextCursor: string | null = null;
  const selected = new Set<string>();
  let current = 0;
  let loading = 0;

  const list = h('div', { id: 'inbox-list', 'aria-live': 'off' });
  const count = h('p', { id: 'inbox-count', role: 'status' });
  const notice = h('div', { id: 'inbox-notice' });
  const reason = h('input', {
    id: 'batch-reason',
    name: 'reason',
    type: 'text',
    autocomplete: 'off',
  });
  const approveBtn = h(
    'button',
    { type: 'button', class: 'primary', id: 'batch-approve' },
    'Approve selected',
  );
  const rejectBtn = h(
    'button',
    { type: 'button', class: 'danger', id: 'batch-reject' },
    'Reject selected',
  );
  const more = h('button', { type: 'button', id: 'load-more' }, 'Load more');

  function draw(): void {
    current = Math.min(current, Math.max(0, items.length - 1));
    const rows = items.map((lane, i) =>
      laneRow(lane, selected.has(lane.approval.id), i === current, toggle),
    );
    const allSelected = items.length > 0 && items.every((l) => selected.has(l.approval.id));
    fill(
      list,
      items.length === 0
        ? h('p', { class: 'empty' }, 'Nothing is waiting for a decision.')
        : laneTable(rows, allSelected, toggleAll),
    );
    count.textContent = `${items.length}${nextCursor ? '+' : ''} pending · ${selected.size} selected`;
    count.dataset.count = String(items.length);
    more.hidden = nextCursor === null;
    approveBtn.disabled = selected.size === 0;
    rejectBtn.disabled = selected.size === 0;
  }

  function toggle(id: string, on: boolean): void {
    if (on) selected.add(id);
    else selected.delete(id);
    draw();
  }

  function toggleAll(on: boolean): void {
    for (const l of items) {
      if (on) selected.add(l.approval.id);
      else selected.delete(l.approval.id);
    }
    draw();
  }

  async function load(append = false): Promise<void> {
    const ticket = ++loading;
    const page = await api<LanePage>(
      'GET',
      `/lanes${query({ ...filterQuery(filters), limit: inboxPageSize, cursor: append ? nextCursor : null })}`,
    );
    if (ticket !== loading) return; // a newer load answered first
    items = append ? [...items, ...page.items] : page.items;
    nextCursor = page.nextCursor;
    const shown = new Set(items.map((l) => l.approval.id));
    for (const id of selected) if (!shown.has(id)) selected.delete(id);
    draw();
    main.dataset.loaded = 'true';
    // Time from navigation to the first inbox drawn, for the bench and real-user timing.
    if (performance.getEntriesByName('inbox-drawn').length === 0) performance.mark('inbox-drawn');
  }

  const failed = (error: unknown) => fill(notice, refusalAlert(error));
  const reload = debounce(() => void load().catch(failed), 150);

  async function decide(type: 'APPROVE' | 'REJECT', ids: string[]): Promise<void> {
    fill(notice);
    if (ids.length === 0) return;
    const why = reason.value.trim();
    if (type === 'REJECT' && !why) {
      reason.setAttribute('aria-invalid', 'true');
      fill(
        notice,
        h(
          'div',
          { class: 'alert', role: 'alert', id: 'batch-error' },
          'A reason is required to reject.',
        ),
      );
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    // An approval names the input each row shows: a lane changed meanwhile refuses it.
    const shown = new Map(items.map((l) => [l.approval.id, l.approval.inputHash]));
    const eventFor = (laneId: string) =>
      type === 'APPROVE' ? { type, inputHash: shown.get(laneId) } : { type, reason: why };
    try {
      await api('POST', '/lanes/decisions', {
        decisions: ids.map((laneId) => ({ laneId, event: eventFor(laneId) })),
      });
      const done = new Set(ids);
      items = items.filter((l) => !done.has(l.approval.id));
      for (const id of ids) selected.delete(id);
      reason.value = '';
      fill(
        notice,
        h(
          'p',
          { class: 'ok', role: 'status' },
          `${ids.length} ${type === 'APPROVE' ? 'approved' : 'rejected'}.`,
        ),
      );
      draw();
    } catch (error) {
      failed(error);
    }
  }

  // The lanes a key acts on: the selection, else the row the cursor is on.
  const targets = () =>
    selected.size > 0 ? [...selected] : items[current] ? [items[current]!.approval.id] : [];
  approveBtn.addEventListener('click', () => void decide('APPROVE', [...selected]));
  rejectBtn.addEventListener('click', () => void decide('REJECT', [...selected]));
  more.addEventListener('click', () => void load(true).catch(failed));

  const move = (by: number) => {
    current = Math.max(0, Math.min(items.length - 1, current + by));
    draw();
    list.querySelector<HTMLElement>('tr.current a')?.focus();
  };
  const keys: Shortcut[] = [
    { key: 'j', label: 'next', run: () => move(1) },
    { key: 'k', label: 'previous', run: () => move(-1) },
    {
      key: 'x',
      label: 'select',
      run: () =>
        items[current] &&
        toggle(items[current]!.approval.id, !selected.has(items[current]!.approval.id)),
    },
    { key: 'a', label: 'approve', run: () => void decide('APPROVE', targets()) },
    {
      key: 'r',
      label: 'reject',
      run: () => {
        for (const id of targets()) selected.add(id);
        draw();
        reason.focus();
      },
    },
    {
      key: 'o',
      label: 'open',
      run: () => items[current] && (location.hash = `#/lanes/${items[current]!.approval.id}`),
    },
  ];
  useShortcuts(keys);

  const unsubscribe = onAudit((e) => {
    const lane = e.approvalId ? items.find((l) => l.approval.id === e.approvalId) : undefined;
    if (lane && leavesPending.has(e.type) && !lane.approval.quorum) {
      // Decided elsewhere: gone at once, no round trip.
      items = items.filter((l) => l !== lane);
      selected.delete(lane.approval.id);
      draw();
    } else if (lane || e.type === 'approval_requested') reload();
  });

  fill(
    main,
    h('h1', {}, 'Inbox'),
    filterForm(() => void load().catch(failed)),
    h(
      'section',
      { class: 'batch', 'aria-label': 'Decide the selected lanes' },
      approveBtn,
      h('label', { for: 'batch-reason' }, 'Reason to reject'),
      reason,
      rejectBtn,
    ),
    notice,
    count,
    list,
    more,
    h('p', { class: 'keys' }, `Keys: ${shortcutHelp(keys)}`),
  );
  draw();
  void load().catch(failed);
  return unsubscribe;
}
