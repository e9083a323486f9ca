import { h } from '../dom.js';

interface StateNode {
  initial?: string;
  type?: string;
  always?: Transition | Transition[];
  on?: Record<string, Transition | Transition[]>;
  states?: Record<string, StateNode>;
}
interface Transition {
  target?: string;
  guard?: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
const guardName = (g: unknown): string =>
  typeof g === 'string'
    ? g
    : typeof g === 'object' && g && 'type' in g
      ? String((g as { type: string }).type)
      : '';

/**
 * The lane machine (as `GET /machine` exports it) as a Mermaid state diagram, with `lit`
 * (the lane's state, the innermost one when nested) styled as current. Edges out of a
 * nested state are drawn from its parent, which keeps the layout readable.
 */
export function toMermaid(machine: StateNode, lit: string): string {
  // `#approvalLane.executed` and `running` both name a state by its last segment.
  const resolve = (target: string) => target.split('.').at(-1)!;
  const edges = (node: StateNode) =>
    [
      ...list(node.always).map((t) => ({ t, label: t.guard ? guardName(t.guard) : '' })),
      ...Object.entries(node.on ?? {}).flatMap(([event, ts]) =>
        list(ts).map((t) => ({ t, label: event })),
      ),
    ].flatMap(({ t, label }) => (t.target ? [{ target: t.target, label }] : []));
  const arrow = (from: string, to: string, label: string) =>
    `${from} --> ${resolve(to)}${label ? ` : ${label}` : ''}`;

  const inside: string[] = [];
  const outside = new Set<string>([`[*] --> ${machine.initial ?? 'requested'}`]);
  for (const [name, node] of Object.entries(machine.states ?? {})) {
    for (const e of edges(node)) outside.add(arrow(name, e.target, e.label));
    if (node.type === 'final') outside.add(`${name} --> [*]`);
    if (!node.states) continue;
    const children = new Set([`[*] --> ${node.initial ?? Object.keys(node.states)[0]}`]);
    for (const [child, childNode] of Object.entries(node.states)) {
      for (const e of edges(childNode)) {
        // A sibling target stays inside; one outside the parent is drawn from the parent.
        if (e.target.startsWith('#')) outside.add(arrow(name, e.target, e.label));
        else children.add(arrow(child, e.target, e.label));
      }
    }
    inside.push(`state ${name} {`, ...[...children].map((l) => `  ${l}`), '}');
  }
  const body = [
    'direction LR',
    ...inside,
    ...outside,
    'classDef current fill:#ffe08a,stroke:#1a1a1a,stroke-width:3px,color:#1a1a1a',
    `class ${lit} current`,
  ];
  return ['stateDiagram-v2', ...body.map((l) => `  ${l}`)].join('\n');
}

let renders = 0;

/**
 * Draws the diagram with Mermaid, loaded only here so the inbox never pays for it. The
 * figure is one image to assistive technology, named by its current state; the Mermaid
 * source stays readable below it.
 */
export function laneDiagram(machine: StateNode, lit: string): HTMLElement {
  const source = toMermaid(machine, lit);
  const figure = h('div', {
    class: 'diagram',
    role: 'img',
    'aria-label': `Lane machine; current state: ${lit.replace(/_/g, ' ')}`,
    id: 'lane-diagram',
  });
  const section = h(
    'section',
    { 'aria-labelledby': 'machine-title', class: 'card' },
    h('h2', { id: 'machine-title' }, 'Lane machine'),
    figure,
    h('details', {}, h('summary', {}, 'Mermaid source'), h('pre', { tabindex: '0' }, source)),
  );
  void import('mermaid')
    .then(async ({ default: mermaid }) => {
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });
      const { svg } = await mermaid.render(`lane-machine-${++renders}`, source);
      figure.innerHTML = svg;
      figure.dataset.rendered = lit;
    })
    .catch((error: unknown) => {
      figure.textContent = `The diagram could not be drawn: ${String(error)}`;
    });
  return section;
}
