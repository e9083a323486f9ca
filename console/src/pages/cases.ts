import { api, query } from '../api.js';
import { fill, h } from '../dom.js';
import { onAudit } from '../live.js';
import { refusalAlert } from '../refusal.js';
import { debounce } from '../dom.js';
import { timeLeft } from '../time.js';
import type { CaseView, LanePage } from '../types.js';

const ALL_STATUSES = [
  'pending',
  'approved',
  'execution_pending',
  'executed',
  'execution_failed',
  'rejected',
  'deferred',
  'expired',
  'escalated',
];
const OPEN = new Set(['pending', 'approved', 'execution_pending']);

/**
 * The cases the reviewer's lanes belong to. The API lists lanes, not cases, so the page
 * gathers the case ids of the newest lanes and reads each case; any other case opens by id.
 */
export function casesPage(main: HTMLElement): () => void {
  const notice = h('div', {});
  const list = h('div', { id: 'cases-list' });

  async function load(): Promise<void> {
    const page = await api<LanePage>(
      'GET',
      `/lanes${query({ status: ALL_STATUSES, order: 'newest', limit: 500 })}`,
    );
    const open = new Map<string, number>();
    for (const l of page.items) {
      const id = l.proposal.caseId;
      if (id) open.set(id, (open.get(id) ?? 0) + (OPEN.has(l.approval.status) ? 1 : 0));
    }
    const cases = await Promise.all(
      [...open.keys()].slice(0, 100).map((id) => api<CaseView>('GET', `/cases/${id}`)),
    );
    fill(
      list,
      cases.length === 0
        ? h('p', { class: 'empty' }, 'No case has lanes yet.')
        : h(
            'table',
            { class: 'lanes', 'aria-label': 'Cases' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Case', 'State', 'Policy', 'Conversation', 'Open lanes', 'Deadline'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              cases.map(({ case: c }) =>
                h(
                  'tr',
                  { 'data-case-id': c.id },
                  h('td', {}, h('a', { href: `#/cases/${c.id}` }, c.id.slice(0, 8))),
                  h(
                    'td',
                    {},
                    h('span', { class: `status status-${c.status}` }, c.status.replace(/_/g, ' ')),
                  ),
                  h('td', {}, `${c.policy.name} v${c.policy.version}`),
                  h('td', {}, c.conversationId ?? '—'),
                  h('td', {}, String(open.get(c.id) ?? 0)),
                  h(
                    'td',
                    {},
                    c.deadline && c.status === 'open'
                      ? h(
                          'time',
                          { datetime: c.deadline, 'data-expires': c.deadline },
                          timeLeft(c.deadline),
                        )
                      : '—',
                  ),
                ),
              ),
            ),
          ),
    );
    main.dataset.loaded = 'true';
  }

  const caseInput = h('input', {
    id: 'case-id',
    type: 'text',
    autocomplete: 'off',
    pattern: '[0-9a-fA-F-]{36}',
  });
  const open = h(
    'form',
    { class: 'filters', 'aria-label': 'Open a case by id' },
    h('div', { class: 'field' }, h('label', { for: 'case-id' }, 'Case id'), caseInput),
    h('button', { type: 'submit' }, 'Open'),
  );
  open.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/cases/${caseInput.value.trim().toLowerCase()}`;
  });

  const failed = (error: unknown) => fill(notice, refusalAlert(error));
  const reload = debounce(() => void load().catch(failed), 250);
  const unsubscribe = onAudit((e) => e.caseId && reload());
  fill(main, h('h1', {}, 'Cases'), open, notice, list);
  void load().catch(failed);
  return unsubscribe;
}
