import { ApiError } from './api.js';
import { h } from './dom.js';

/**
 * What a refused decision means, in the reviewer's words. Four-eyes and role refusals are
 * named as what they are, because "403" tells a person nothing about what to do next.
 */
export function describeRefusal(error: unknown): { title: string; detail: string } {
  if (!(error instanceof ApiError)) {
    return { title: 'Could not reach the server', detail: String(error) };
  }
  const { error: code, reason, message } = error.body;
  if (code === 'forbidden' && reason === 'four_eyes') {
    return {
      title: 'Forbidden: four-eyes',
      detail: 'You proposed this call, so someone else must approve it.',
    };
  }
  if (code === 'forbidden' && reason === 'missing_role') {
    return {
      title: 'Forbidden: missing role',
      detail: 'Your token does not hold the role this risk tier requires.',
    };
  }
  if (code === 'not_pending')
    return { title: 'Already decided', detail: 'This lane is no longer pending.' };
  if (code === 'expired') return { title: 'Expired', detail: 'The lane passed its deadline.' };
  if (code === 'edit_refused') {
    return { title: 'Edit refused', detail: message ?? reason ?? 'The edited input was refused.' };
  }
  if (code === 'batch_refused') {
    const refusals = error.body.refusals ?? [];
    const named = refusals
      .slice(0, 5)
      .map((r) => `${r.laneId.slice(0, 8)}: ${r.reason ?? r.error}`)
      .join('; ');
    return { title: 'Batch refused, nothing was written', detail: named || (message ?? '') };
  }
  return { title: `Refused (${code})`, detail: message ?? reason ?? `HTTP ${error.status}` };
}

/** A refusal as an alert block, announced to screen readers. */
export function refusalAlert(error: unknown): HTMLElement {
  const { title, detail } = describeRefusal(error);
  const code = error instanceof ApiError ? (error.body.reason ?? error.body.error) : 'network';
  return h(
    'div',
    { class: 'alert', role: 'alert', 'data-refusal': code },
    h('strong', {}, title),
    ' ',
    detail,
  );
}
