import { h } from '../dom.js';
import type { JsonSchema, LaneEditing } from '../types.js';
import { editable, fieldKind, validate } from './editSchema.js';
import type { EditIssue } from './editSchema.js';

const fieldId = (path: string[]) => `edit-${path.join('-')}`;
type Read = () => unknown;

/** A JSON field whose text does not parse. */
class InvalidJson extends Error {
  constructor(readonly path: string[]) {
    super('not valid JSON');
  }
}

/** One control for `schema` at `path`; returns the element and how to read its value. */
function control(
  schema: JsonSchema,
  path: string[],
  value: unknown,
  canEdit: (p: string[]) => boolean,
): [HTMLElement, Read] {
  const id = fieldId(path);
  const name = path.at(-1) ?? 'input';
  const label = h('label', { for: id }, schema.title ?? name);
  const disabled = !canEdit(path);
  const described = { 'aria-describedby': `err-${id}` };
  const kind = fieldKind(schema);
  if (kind === 'object') {
    const obj = (value ?? {}) as Record<string, unknown>;
    const parts = Object.entries(schema.properties!).map(([k, sub]) =>
      control(sub, [...path, k], obj[k], canEdit),
    );
    const set = h(
      'fieldset',
      { id },
      h('legend', {}, schema.title ?? name),
      parts.map(([el]) => el),
    );
    const read = () => {
      const out: Record<string, unknown> = { ...obj };
      Object.keys(schema.properties!).forEach((k, i) => {
        const v = parts[i]![1]();
        if (v === undefined) delete out[k];
        else out[k] = v;
      });
      // An optional object left empty stays absent rather than becoming `{}`.
      return value === undefined && Object.keys(out).length === 0 ? undefined : out;
    };
    return [set, read];
  }
  let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  let read: Read;
  if (kind === 'enum') {
    const options = schema.enum!;
    input = h(
      'select',
      { id, disabled, ...described },
      h('option', { value: '', selected: value === undefined }, '—'),
      options.map((o, i) => h('option', { value: String(i), selected: o === value }, String(o))),
    );
    read = () => (input.value === '' ? undefined : options[Number(input.value)]);
  } else if (kind === 'boolean') {
    const box = h('input', {
      id,
      type: 'checkbox',
      checked: value === true,
      disabled,
      ...described,
    });
    input = box;
    // An absent optional flag stays absent unless it is ticked.
    read = () => (value === undefined && !box.checked ? undefined : box.checked);
  } else if (kind === 'number' || kind === 'integer') {
    input = h('input', {
      id,
      type: 'number',
      step: kind === 'integer' ? '1' : 'any',
      value: value === undefined ? '' : String(value),
      disabled,
      ...described,
    });
    read = () => (input.value.trim() === '' ? undefined : Number(input.value));
  } else if (kind === 'string') {
    input = h('input', {
      id,
      type: 'text',
      value: typeof value === 'string' ? value : '',
      disabled,
      ...described,
    });
    read = () => input.value;
  } else {
    input = h(
      'textarea',
      { id, rows: '4', disabled, ...described },
      value === undefined ? '' : JSON.stringify(value, null, 2),
    );
    read = () => {
      if (input.value.trim() === '') return undefined;
      try {
        return JSON.parse(input.value) as unknown;
      } catch {
        throw new InvalidJson(path);
      }
    };
  }
  // A field the lane does not let approvers edit keeps its proposed value.
  if (disabled) read = () => value;
  const hint = schema.description ? h('span', { class: 'hint' }, ` ${schema.description}`) : [];
  return [
    h(
      'div',
      { class: 'field' },
      label,
      hint,
      input,
      h('span', { id: `err-${id}`, class: 'field-error' }),
    ),
    read,
  ];
}

/**
 * Edit-then-approve: a form generated from the tool's input schema (only `fields` editable
 * when the lane names them), checked against the schema before anything is sent.
 */
export function editForm(
  editing: LaneEditing,
  input: unknown,
  submit: (edited: unknown, note: string) => Promise<void>,
): { form: HTMLFormElement; show: (issues: EditIssue[]) => void } {
  const schema = { title: 'Input', ...editing.inputSchema };
  const [body, read] = control(schema, [], input, editable(editing.fields));
  const note = h('textarea', { id: 'edit-note', rows: '2' });
  const summary = h('div', { id: 'edit-errors' });
  const form = h(
    'form',
    { class: 'decide', novalidate: true, 'aria-labelledby': 'edit-title', id: 'edit-form' },
    h('h3', { id: 'edit-title' }, 'Edit, then approve'),
    body,
    h('label', { for: 'edit-note' }, 'Note (optional)'),
    note,
    summary,
    h('button', { type: 'submit', class: 'primary' }, 'Approve edited input'),
  );
  const show = (issues: EditIssue[]) => {
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    summary.replaceChildren();
    if (issues.length === 0) return;
    for (const i of issues) {
      const id = fieldId(i.path);
      const err = form.querySelector(`#err-${CSS.escape(id)}`);
      if (err) err.textContent = i.message;
      form.querySelector(`#${CSS.escape(id)}`)?.setAttribute('aria-invalid', 'true');
    }
    summary.append(
      h(
        'div',
        { class: 'alert', role: 'alert' },
        `The edited input does not match the tool's schema: `,
        issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
      ),
    );
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let edited: unknown;
    try {
      edited = read();
    } catch (error) {
      if (!(error instanceof InvalidJson)) throw error;
      return show([{ path: error.path, message: 'Not valid JSON' }]);
    }
    const issues = validate(editing.inputSchema, edited);
    show(issues);
    if (issues.length === 0) void submit(edited, note.value.trim());
  });
  return { form, show };
}

/** Server issues (zod paths) in the form's shape, to show them next to their fields. */
export function serverIssues(
  issues: { path?: (string | number)[] | string; message: string }[],
): EditIssue[] {
  return issues.map((i) => ({
    path: Array.isArray(i.path)
      ? i.path.map(String)
      : String(i.path ?? '')
          .replace(/^\//, '')
          .split('/')
          .filter(Boolean),
    message: i.message,
  }));
}
