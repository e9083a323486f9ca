import { api, ApiError } from '../api.js';
import { fill, h } from '../dom.js';
import { refusalAlert } from '../refusal.js';
import type { LaneDetail } from '../types.js';
import { editForm, serverIssues } from './editForm.js';

type Decision =
  | { type: 'APPROVE'; note?: string; input?: unknown; inputHash: string }
  | { type: 'REJECT' | 'DEFER'; reason: string };

const done = { APPROVE: 'Approved', REJECT: 'Rejected', DEFER: 'Deferred' } as const;

/** A decision form with one text field; `required` fields are checked before sending. */
function textDecision(
  id: string,
  title: string,
  field: string,
  required: boolean,
  button: string,
  buttonClass: string,
  send: (text: string) => Promise<void>,
  notice: HTMLElement,
): HTMLFormElement {
  const textarea = h('textarea', {
    id: `${id}-text`,
    rows: '2',
    required,
    'aria-describedby': `${id}-error`,
  });
  const error = h('span', { id: `${id}-error`, class: 'field-error' });
  const form = h(
    'form',
    { class: 'decide', id, novalidate: true, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, title),
    h('label', { for: `${id}-text` }, field),
    textarea,
    error,
    h('button', { type: 'submit', class: buttonClass }, button),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = textarea.value.trim();
    if (required && !text) {
      error.textContent = `A reason is required to ${title.toLowerCase()}.`;
      textarea.setAttribute('aria-invalid', 'true');
      fill(notice, h('div', { class: 'alert', role: 'alert' }, error.textContent));
      textarea.focus();
      return;
    }
    error.textContent = '';
    textarea.removeAttribute('aria-invalid');
    void send(text);
  });
  return form;
}

/**
 * The decisions on a pending lane: approve (with a note), reject and defer (a reason
 * required), and edit-then-approve when the API offers editing. Refusals land in `notice`
 * named as what they are.
 */
export function decisionForms(
  lane: LaneDetail,
  notice: HTMLElement,
  decided: () => void,
  me: string | null,
): HTMLElement {
  const id = lane.approval.id;
  // Every approval names the input shown here: one changed meanwhile is refused, not approved.
  const inputHash = lane.approval.inputHash;
  const send = async (event: Decision, onRefused?: (error: ApiError) => void) => {
    fill(notice);
    try {
      await api('POST', `/lanes/${id}/events`, event);
      fill(notice, h('p', { class: 'ok', role: 'status' }, `${done[event.type]}.`));
      decided();
    } catch (error) {
      fill(notice, refusalAlert(error));
      if (error instanceof ApiError) onRefused?.(error);
    }
  };
  const forms = [
    textDecision(
      'approve',
      'Approve',
      'Note (optional)',
      false,
      'Approve',
      'primary',
      (note) => send({ type: 'APPROVE', inputHash, ...(note ? { note } : {}) }),
      notice,
    ),
    textDecision(
      'reject',
      'Reject',
      'Reason (required)',
      true,
      'Reject',
      'danger',
      (reason) => send({ type: 'REJECT', reason }),
      notice,
    ),
    textDecision(
      'defer',
      'Defer',
      'Reason (required)',
      true,
      'Defer',
      '',
      (reason) => send({ type: 'DEFER', reason }),
      notice,
    ),
  ];
  const editing = lane.editing;
  if (editing?.allowed) {
    const input = lane.approval.edit?.input ?? lane.proposal.input;
    const edit = editForm(editing, input, (edited, note) =>
      send({ type: 'APPROVE', input: edited, inputHash, ...(note ? { note } : {}) }, (error) => {
        if (error.body.issues) edit.show(serverIssues(error.body.issues));
      }),
    );
    forms.push(edit.form);
  }
  return h(
    'section',
    { 'aria-labelledby': 'decide-title', class: 'card' },
    h('h2', { id: 'decide-title' }, 'Decide'),
    // Said up front; the server refuses it all the same (four-eyes) if tried.
    me === lane.proposal.actorId
      ? h(
          'p',
          { class: 'alert', id: 'own-lane' },
          'You proposed this call: approving it is forbidden (four-eyes). You may reject or defer it.',
        )
      : null,
    h('div', { class: 'decisions' }, forms),
  );
}
