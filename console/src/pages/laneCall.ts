import { h } from '../dom.js';
import { localTime, timeLeft } from '../time.js';
import type { Approval, InputChange, LaneDetail } from '../types.js';
import { quorumText } from './inboxRows.js';

const json = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v, null, 2));

const row = (term: string, ...value: (Node | string)[]) => [
  h('dt', {}, term),
  h('dd', {}, ...value),
];

/** The proposed call: what, how risky, who proposed it, where, and the lane's state. */
export function proposedCall(lane: LaneDetail): HTMLElement {
  const { approval: a, proposal: p } = lane;
  return h(
    'section',
    { 'aria-labelledby': 'call-title', class: 'card' },
    h('h2', { id: 'call-title' }, 'Proposed call'),
    h(
      'dl',
      { class: 'facts' },
      row('Tool', `${p.toolName}@${p.toolVersion}`),
      row('Risk tier', h('span', { class: `tier tier-${p.riskTier}` }, p.riskTier)),
      row('Proposed by', h('span', { id: 'proposer' }, p.actorId)),
      row('Conversation', p.conversationId ?? '—'),
      row(
        'Case',
        p.caseId ? h('a', { href: `#/cases/${p.caseId}` }, p.caseId) : '—',
        p.casePath ? ` at ${p.casePath}` : '',
      ),
      row(
        'Status',
        h('span', { id: 'lane-status', class: `status status-${a.status}` }, statusText(lane)),
      ),
      // Without a quorum a count means something only while the lane waits for its one approval.
      a.quorum || a.status === 'pending' ? row('Approvals', quorumText(lane)) : [],
      row(
        'Deadline',
        a.status === 'pending' && a.expiresAt
          ? h('time', { datetime: a.expiresAt, 'data-expires': a.expiresAt }, timeLeft(a.expiresAt))
          : a.expiresAt
            ? localTime(a.expiresAt)
            : '—',
      ),
      a.status === 'pending'
        ? []
        : row('Decision', h('span', { id: 'lane-decision' }, decisionText(a))),
      a.note ? row('Note', a.note) : [],
    ),
  );
}

// How a lane left pending; every status past approval was approved first.
const decisionVerbs: Record<string, string> = {
  rejected: 'Rejected',
  deferred: 'Deferred',
  expired: 'Expired',
  escalated: 'Escalated',
};

/** How a lane that left pending was decided: "Approved by dana", "Rejected by dana: too much". */
function decisionText(a: Approval): string {
  const verb = decisionVerbs[a.status] ?? 'Approved';
  return `${verb}${a.decidedBy ? ` by ${a.decidedBy}` : ''}${a.reason ? `: ${a.reason}` : ''}`;
}

function statusText({ approval: a }: LaneDetail): string {
  if (a.status === 'execution_pending' && a.executionState)
    return `execution pending (${a.executionState})`;
  return a.status.replace(/_/g, ' ');
}

/** The input as it will run (the approver's edit when there is one) and what the edit changed. */
export function inputAsItWillRun(lane: LaneDetail): HTMLElement {
  const edit = lane.approval.edit ?? null;
  return h(
    'section',
    { 'aria-labelledby': 'input-title', class: 'card' },
    h('h2', { id: 'input-title' }, 'Input as it will run'),
    h(
      'pre',
      { id: 'lane-input', tabindex: '0', 'aria-label': 'Input as it will run' },
      json(edit?.input ?? lane.proposal.input),
    ),
    edit ? editDiff(edit.diff, edit.by, edit.at) : [],
    lane.approval.result !== null && lane.approval.result !== undefined
      ? [
          h('h3', {}, 'Result'),
          h('pre', { id: 'lane-result', tabindex: '0' }, json(lane.approval.result)),
        ]
      : [],
    lane.approval.failure
      ? h(
          'p',
          { class: 'alert' },
          `Failed: ${lane.approval.failure.message ?? lane.approval.failure.reason ?? ''}`,
        )
      : [],
  );
}

function editDiff(diff: InputChange[], by: string, at: string): HTMLElement {
  return h(
    'table',
    { class: 'diff', id: 'input-diff' },
    h('caption', {}, `Edited by ${by}, ${localTime(at)}`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Field'),
        h('th', { scope: 'col' }, 'Proposed'),
        h('th', { scope: 'col' }, 'Will run'),
      ),
    ),
    h(
      'tbody',
      {},
      diff.map((d) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, h('code', {}, d.path)),
          h('td', { class: 'before' }, h('code', {}, json(d.before))),
          h('td', { class: 'after' }, h('code', {}, json(d.after))),
        ),
      ),
    ),
  );
}
