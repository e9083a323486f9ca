import { api, query } from '../api.js';
import { fill, h } from '../dom.js';
import { onAudit } from '../live.js';
import { refusalAlert } from '../refusal.js';
import { debounce } from '../dom.js';
import { timeLeft } from '../time.js';
import type { CasePage } from '../types.js';

/**
 * Every case, newest first (the first 100), with its state, policy, open lanes and
 * deadline; any other case opens by id.
 */
export function casesPage(main: HTMLElement): () => void {
  const notice = h('div', {});
  const list = h('div', { id: 'cases-list' });

  async function load(): Promise<void> {
    const { items: cases } = await api<CasePage>('GET', `/cases${query({ limit: 100 })}`);
    fill(
      list,
      cases.length === 0
        ? h('p', { class: 'empty' }, 'No cases yet.')
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
              cases.map((c) =>
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
                  h('td', {}, String(c.openLanes)),
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
