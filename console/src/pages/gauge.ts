import { h } from '../dom.js';
import { span } from '../time.js';

/** One budget dimension of one level: a limit (absent: unlimited), used and reserved. */
export interface GaugeFigures {
  label: string;
  limit: number | undefined;
  used: number;
  reserved: number;
  /** How to print an amount: time in ms reads better as a duration. */
  unit: 'count' | 'ms';
}

const amount = (n: number, unit: GaugeFigures['unit']) =>
  unit === 'ms' ? span(n) : n.toLocaleString();

/**
 * A budget gauge: used and reserved as a stacked bar against the limit, and the figures in
 * words, which is also what assistive technology reads (role meter).
 */
export function gauge(
  { label, limit, used, reserved, unit }: GaugeFigures,
  id: string,
): HTMLElement {
  const left = limit === undefined ? undefined : Math.max(0, limit - used - reserved);
  const words =
    limit === undefined
      ? `${amount(used, unit)} used, ${amount(reserved, unit)} reserved, no limit`
      : `${amount(used, unit)} used, ${amount(reserved, unit)} reserved, ${amount(left!, unit)} left of ${amount(limit, unit)}`;
  const pct = (n: number) => (limit ? `${Math.min(100, (n / limit) * 100)}%` : '0%');
  return h(
    'div',
    { class: 'gauge', id, 'data-used': used, 'data-reserved': reserved, 'data-limit': limit ?? '' },
    h('span', { class: 'gauge-label', id: `${id}-label` }, label),
    h(
      'div',
      {
        class: 'bar',
        role: 'meter',
        'aria-labelledby': `${id}-label`,
        'aria-valuemin': 0,
        'aria-valuemax': limit ?? Math.max(used + reserved, 1),
        'aria-valuenow': used + reserved,
        'aria-valuetext': words,
      },
      h('span', { class: 'used', style: `width:${pct(used)}` }),
      h('span', { class: 'reserved', style: `width:${pct(reserved)}` }),
    ),
    h('span', { class: 'gauge-words' }, words),
  );
}
