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
export function toMermaid(machine: StateNode & { id?: string }, lit: string): string {
  const lines = ['stateDiagram-v2', '  direction LR'];
  const edges = new Set<string>();
  const top = machine.states ?? {};
  const resolve = (target: string) =>
    target
      .replace(/^#[^.]+\./, '')
      .split('.')
      .at(-1)!;
  const walk = (name: string, node: StateNode, owner: string, indent: string) => {
    for (const t of list(node.always)) {
      if (t.target)
        edges.add(
          `${indent}${owner} --> ${resolve(t.target)}${t.guard ? ` : ${guardName(t.guard)}` : ''}`,
        );
    }
    for (const [event, ts] of Object.entries(node.on ?? {})) {
      for (const t of list(ts))
        if (t.target) edges.add(`${indent}${owner} --> ${resolve(t.target)} : ${event}`);
    }
    if (node.type === 'final') edges.add(`${indent}${name} --> [*]`);
  };
  lines.push(`  [*] --> ${machine.initial ?? 'requested'}`);
  for (const [name, node] of Object.entries(top)) {
    if (node.states) {
      const inner: string[] = [
        `  state ${name} {`,
        `    [*] --> ${node.initial ?? Object.keys(node.states)[0]}`,
      ];
      for (const [child, childNode] of Object.entries(node.states)) {
        for (const t of list(childNode.on).flatMap((on) => Object.entries(on))) {
          for (const tr of list(t[1])) {
            if (tr.target && !tr.target.startsWith('#'))
              inner.push(`    ${child} --> ${resolve(tr.target)} : ${t[0]}`);
            else if (tr.target) edges.add(`  ${name} --> ${resolve(tr.target)} : ${t[0]}`);
          }
        }
      }
      lines.push(...new Set(inner), '  }');
    }
    walk(name, node, name, '  ');
  }
  lines.push(...edges);
  lines.push('  classDef current fill:#ffe08a,stroke:#1a1a1a,stroke-width:3px,color:#1a1a1a');
  lines.push(`  class ${lit} current`);
  return lines.join('\n');
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
