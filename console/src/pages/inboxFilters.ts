import { h } from '../dom.js';

/** The inbox's filters, kept for the tab so coming back to the inbox keeps them. */
export interface InboxFilters {
  tool: string;
  riskTier: string;
  conversationId: string;
  caseId: string;
  /** `older:3600` or `newer:3600` (seconds), or empty for any age. */
  age: string;
  order: 'urgent' | 'newest';
}

export const filters: InboxFilters = {
  tool: '',
  riskTier: '',
  conversationId: '',
  caseId: '',
  age: '',
  order: 'urgent',
};

/** How many lanes the inbox asks for at a time. */
export const inboxPageSize = 100;

/** The filters as `GET /lanes` parameters. */
export function filterQuery(f: InboxFilters): Record<string, string | undefined> {
  const [side, seconds] = f.age.split(':');
  return {
    tool: f.tool || undefined,
    riskTier: f.riskTier || undefined,
    conversationId: f.conversationId || undefined,
    caseId: f.caseId || undefined,
    olderThanSeconds: side === 'older' ? seconds : undefined,
    newerThanSeconds: side === 'newer' ? seconds : undefined,
    order: f.order,
  };
}

const select = (id: string, label: string, value: string, options: [string, string][]) => [
  h('label', { for: id }, label),
  h(
    'select',
    { id, name: id },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  ),
];

const text = (id: string, label: string, value: string) => [
  h('label', { for: id }, label),
  h('input', { id, name: id, type: 'search', value, autocomplete: 'off' }),
];

/** The filter form; `apply` runs with the new filters on submit or when a select changes. */
export function filterForm(apply: () => void): HTMLFormElement {
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the inbox' },
    h('div', { class: 'field' }, text('f-tool', 'Tool', filters.tool)),
    h(
      'div',
      { class: 'field' },
      select('f-risk', 'Risk tier', filters.riskTier, [
        ['', 'Any'],
        ['low', 'Low'],
        ['medium', 'Medium'],
        ['high', 'High'],
        ['critical', 'Critical'],
      ]),
    ),
    h('div', { class: 'field' }, text('f-conversation', 'Conversation', filters.conversationId)),
    h('div', { class: 'field' }, text('f-case', 'Case', filters.caseId)),
    h(
      'div',
      { class: 'field' },
      select('f-age', 'Age', filters.age, [
        ['', 'Any'],
        ['newer:3600', 'Opened in the last hour'],
        ['older:3600', 'Waiting over an hour'],
        ['older:86400', 'Waiting over a day'],
      ]),
    ),
    h(
      'div',
      { class: 'field' },
      select('f-order', 'Order', filters.order, [
        ['urgent', 'Most urgent first'],
        ['newest', 'Newest first'],
      ]),
    ),
    h('button', { type: 'submit' }, 'Apply'),
  );
  const read = () => {
    const value = (id: string) =>
      (form.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)?.value ?? '').trim();
    filters.tool = value('f-tool');
    filters.riskTier = value('f-risk');
    filters.conversationId = value('f-conversation');
    filters.caseId = value('f-case');
    filters.age = value('f-age');
    filters.order = value('f-order') === 'newest' ? 'newest' : 'urgent';
    apply();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    read();
  });
  form.addEventListener('change', (e) => {
    if (e.target instanceof HTMLSelectElement) read();
  });
  return form;
}
