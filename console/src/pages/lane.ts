import { api, query } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { onAudit } from '../live.js';
import { refusalAlert } from '../refusal.js';
import { shortcutHelp, useShortcuts } from '../shortcuts.js';
import type { LaneDetail, LanePage, Verification } from '../types.js';
import { decisionForms } from './decide.js';
import { filterQuery, filters, inboxPageSize } from './inboxFilters.js';
import { inputAsItWillRun, proposedCall } from './laneCall.js';
import { laneDiagram } from './laneDiagram.js';
import { timeline } from './timeline.js';

type Machine = Parameters<typeof laneDiagram>[0];
let machine: Promise<Machine> | null = null;

/** The lane's state as the diagram names it: the innermost one while executing. */
const litState = ({ approval: a }: LaneDetail) =>
  a.status === 'execution_pending' && a.executionState ? a.executionState : a.status;

/** One lane: the call, its input as it will run, the decisions, the timeline, the machine. */
export function lanePage(main: HTMLElement, [laneId]: string[]): () => void {
  const notice = h('div', { id: 'lane-notice' });
  const body = h('div', { id: 'lane-body' });
  let drawnState = '';
  let diagram: HTMLElement | null = null;
  // The decision forms as drawn, and the lane version they were drawn for: a live update
  // that leaves the lane as it was keeps them, with what the approver is typing.
  let forms: { key: string; element: HTMLElement | null } = { key: '', element: null };
  let alive = true;

  async function load(): Promise<void> {
    const lane = await api<LaneDetail>('GET', `/lanes/${laneId}`);
    if (!alive) return;
    const verification = await api<Verification>(
      'GET',
      `/proposals/${lane.proposal.id}/verification`,
    ).catch(() => null);
    machine ??= api<Machine>('GET', '/machine');
    const me = await api<{ actorId: string }>('GET', '/me').catch(() => null);
    const lit = litState(lane);
    if (lit !== drawnState) {
      diagram = laneDiagram(await machine, lit);
      drawnState = lit;
    }
    if (!alive) return;
    fill(
      body,
      h(
        'div',
        { class: 'columns' },
        h('div', {}, proposedCall(lane), inputAsItWillRun(lane)),
        h(
          'div',
          {},
          decisions(lane, me?.actorId ?? null) ?? [],
          timeline(lane.events, verification),
        ),
      ),
      diagram,
    );
    main.dataset.loaded = 'true';
    main.dataset.status = lane.approval.status;
    main.dataset.proposalId = lane.proposal.id;
  }

  function decisions(lane: LaneDetail, me: string | null): HTMLElement | null {
    const { status, updatedAt } = lane.approval;
    const key = `${status}|${updatedAt}|${me}`;
    if (key !== forms.key) {
      const element =
        status === 'pending' ? decisionForms(lane, notice, () => void load(), me) : null;
      forms = { key, element };
    }
    return forms.element;
  }

  const failed = (error: unknown) => fill(notice, refusalAlert(error));
  const reload = debounce(() => void load().catch(failed), 100);
  const unsubscribe = onAudit((e) => {
    if (e.approvalId === laneId || e.proposalId === main.dataset.proposalId) reload();
  });

  const focusField = (id: string) => document.getElementById(id)?.focus();
  const keys = [
    {
      key: 'a',
      label: 'approve',
      run: () => document.querySelector<HTMLFormElement>('#approve')?.requestSubmit(),
    },
    { key: 'r', label: 'reject (reason)', run: () => focusField('reject-text') },
    { key: 'd', label: 'defer (reason)', run: () => focusField('defer-text') },
    { key: 'n', label: 'next lane', run: () => void next() },
    { key: 'u', label: 'back to the inbox', run: () => (location.hash = '#/') },
  ];
  useShortcuts(keys);

  // The next lane is the one after this one in the inbox under its filters (from the top
  // again after the last; the first one when this one has left the inbox).
  async function next(): Promise<void> {
    const params = { ...filterQuery(filters), limit: inboxPageSize };
    const ids = (await api<LanePage>('GET', `/lanes${query(params)}`)).items.map(
      (l) => l.approval.id,
    );
    const at = ids.indexOf(laneId!);
    const other = at === -1 ? ids[0] : (ids[at + 1] ?? ids.find((id) => id !== laneId));
    location.hash = other ? `#/lanes/${other}` : '#/';
  }

  fill(
    main,
    h('p', {}, h('a', { href: '#/' }, '← Inbox')),
    h('h1', {}, `Lane ${laneId!.slice(0, 8)}`),
    notice,
    body,
    h('p', { class: 'keys' }, `Keys: ${shortcutHelp(keys)}`),
  );
  void load().catch(failed);
  return () => {
    alive = false;
    unsubscribe();
  };
}
