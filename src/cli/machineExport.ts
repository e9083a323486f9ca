import { machineEdges, machineMermaid } from '../../machines/machineDiagram.js';
import type { MachineStateNode } from '../../machines/machineDiagram.js';

/** The formats `countersign machine export` writes. */
export type MachineFormat = 'json' | 'mermaid' | 'scxml-like';

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** An SCXML-shaped document: states nested as in the machine, transitions with guards as `cond`. */
function scxmlLike(definition: MachineStateNode & { id?: string }): string {
  const edges = machineEdges(definition);
  const render = (node: MachineStateNode, path: string[], depth: number): string[] =>
    Object.entries(node.states ?? {}).flatMap(([name, child]) => {
      const here = [...path, name].join('.');
      const pad = '  '.repeat(depth);
      const tag = child.type === 'final' ? 'final' : 'state';
      const initial = child.initial
        ? ` initial="${xml([...path, name, child.initial].join('.'))}"`
        : '';
      return [
        `${pad}<${tag} id="${xml(here)}"${initial}>`,
        ...edges
          .filter((e) => e.from.join('.') === here)
          .map(
            (e) =>
              `${pad}  <transition event="${xml(e.event ?? '(always)')}" target="${xml(e.to.join('.'))}"${e.guard ? ` cond="${xml(e.guard)}"` : ''}/>`,
          ),
        ...render(child, [...path, name], depth + 1),
        `${pad}</${tag}>`,
      ];
    });
  return [
    `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="${xml(definition.id ?? 'machine')}" initial="${xml(definition.initial ?? '')}">`,
    ...render(definition, [], 1),
    '</scxml>',
    '',
  ].join('\n');
}

/** The machine definition (`approvalLaneDefinition()`) written in `format`. */
export function exportMachine(definition: Record<string, unknown>, format: MachineFormat): string {
  const machine = definition as MachineStateNode;
  if (format === 'mermaid') return `${machineMermaid(machine, { guards: true })}\n`;
  if (format === 'scxml-like') return scxmlLike(machine);
  return `${JSON.stringify(definition, null, 2)}\n`;
}
