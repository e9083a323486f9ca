import { api, query } from '../api.js';
import { debounce, fill, h } from '../dom.js';
import { onAudit } from '../live.js';
import { refusalAlert } from '../refusal.js';
import { localTime, timeLeft } from '../time.js';
import type { BudgetLevel, CaseView, LanePage, Receipt } from '../types.js';
import { gauge } from './gauge.js';
import { quorumText } from './inboxRows.js';

const slug = (path: string) =>
  path === '/' ? 'root' : path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');

function budgetLevel(level: BudgetLevel): HTMLElement {
  const s = slug(level.path);
  return h(
    'div',
    { class: 'level', 'data-path': level.path },
    h('h3', {}, `Budget at ${level.path}`),
    gauge(
      {
        label: 'Effects',
        limit: level.limit.maxEffects,
        used: level.used.effects,
        reserved: level.reserved.effects,
        unit: 'count',
      },
      `gauge-${s}-effects`,
    ),
    gauge(
      {
        label: 'Time',
        limit: level.limit.maxEffectTimeMs,
        used: level.used.timeMs,
        reserved: level.reserved.timeMs,
        unit: 'ms',
      },
      `gauge-${s}-time`,
    ),
    gauge(
      {
        label: 'Cost',
        limit: level.limit.maxCost,
        used: level.used.cost,
        reserved: level.reserved.cost,
        unit: 'count',
      },
      `gauge-${s}-cost`,
    ),
  );
}

/** One case: its state, budget gauges per path, receipts, open lanes and deadline. */
export function casePage(main: HTMLElement, [caseId]: string[]): () => void {
  const notice = h('div', {});
  const body = h('div', { id: 'case-body' });

  async function load(): Promise<void> {
    const [view, receipts, lanes] = await Promise.all([
      api<CaseView>('GET', `/cases/${caseId}`),
      api<{ items: Receipt[] }>('GET', `/cases/${caseId}/receipts`),
      api<LanePage>(
        'GET',
        `/lanes${query({ caseId, status: ['pending', 'approved', 'execution_pending'], limit: 200, order: 'urgent' })}`,
      ),
    ]);
    const c = view.case;
    fill(
      body,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'case-state' },
        h('h2', { id: 'case-state' }, 'State'),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Status'),
          h(
            'dd',
            {},
            h(
              'span',
              { id: 'case-status', class: `status status-${c.status}` },
              c.status.replace(/_/g, ' '),
            ),
          ),
          h('dt', {}, 'Policy'),
          h('dd', {}, `${c.policy.name} v${c.policy.version}`),
          h('dt', {}, 'Conversation'),
          h('dd', {}, c.conversationId ?? '—'),
          h('dt', {}, 'Opened'),
          h('dd', {}, `${localTime(c.createdAt)} by ${c.createdBy}`),
          h('dt', {}, 'Deadline'),
          h(
            'dd',
            {},
            c.deadline
              ? c.status === 'open'
                ? h(
                    'time',
                    { datetime: c.deadline, 'data-expires': c.deadline },
                    timeLeft(c.deadline),
                  )
                : localTime(c.deadline)
              : 'none',
          ),
          c.closed
            ? [
                h('dt', {}, 'Closed'),
                h(
                  'dd',
                  {},
                  `${localTime(c.closed.at)} by ${c.closed.by}${c.closed.reason ? `: ${c.closed.reason}` : ''}`,
                ),
              ]
            : [],
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'budget-title', id: 'budget' },
        h('h2', { id: 'budget-title' }, 'Budget'),
        view.budget && view.budget.levels.length > 0
          ? view.budget.levels.map(budgetLevel)
          : h('p', {}, 'This case has no budget.'),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'open-lanes-title' },
        h('h2', { id: 'open-lanes-title' }, `Open lanes (${lanes.items.length})`),
        lanes.items.length === 0
          ? h('p', {}, 'None.')
          : h(
              'ul',
              { id: 'case-lanes' },
              lanes.items.map((l) =>
                h(
                  'li',
                  {},
                  h(
                    'a',
                    { href: `#/lanes/${l.approval.id}` },
                    `${l.proposal.toolName} ${l.approval.id.slice(0, 8)}`,
                  ),
                  ` · ${l.approval.status.replace(/_/g, ' ')} · ${quorumText(l)}`,
                ),
              ),
            ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'receipts-title' },
        h('h2', { id: 'receipts-title' }, `Receipts (${receipts.items.length})`),
        receipts.items.length === 0
          ? h('p', {}, 'No governance refusals or actions recorded.')
          : h(
              'ol',
              { id: 'receipts' },
              receipts.items.map((r) =>
                h(
                  'li',
                  {},
                  h('strong', {}, r.errorType.replace(/_/g, ' ')),
                  ` at ${r.scope} · ${localTime(r.timestamp)} · ${r.detail}`,
                ),
              ),
            ),
      ),
    );
    main.dataset.loaded = 'true';
  }

  const failed = (error: unknown) => fill(notice, refusalAlert(error));
  const reload = debounce(() => void load().catch(failed), 150);
  const unsubscribe = onAudit((e) => e.caseId === caseId && reload());
  fill(
    main,
    h('p', {}, h('a', { href: '#/cases' }, '← Cases')),
    h('h1', {}, `Case ${caseId!.slice(0, 8)}`),
    notice,
    body,
  );
  void load().catch(failed);
  return unsubscribe;
}
