import { machineMermaid } from '../../../machines/machineDiagram.js';
import type { MachineStateNode } from '../../../machines/machineDiagram.js';
import { h } from '../dom.js';

/**
 * The lane machine (as `GET /machine` exports it) as a Mermaid state diagram, with `lit`
 * (the lane's state, the innermost one when nested) styled as current.
 */
export function toMermaid(machine: MachineStateNode, lit: string): string {
  return [
    machineMermaid(machine),
    '  classDef current fill:#ffe08a,stroke:#1a1a1a,stroke-width:3px,color:#1a1a1a',
    `  class ${lit} current`,
  ].join('\n');
}

let renders = 0;

/**
 * Draws the diagram with Mermaid, loaded only here so the inbox never pays for it. The
 * figure is one image to assistive technology, named by its current state; the Mermaid
 * source stays readable below it.
 */
export function laneDiagram(machine: MachineStateNode, lit: string): HTMLElement {
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
