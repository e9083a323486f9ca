import { describe, expect, it } from 'vitest';
import { approvalLaneDefinition } from '../../machines/approvalLaneDefinition.js';
import type { MachineStateNode } from '../../machines/machineDiagram.js';
import { countersign } from './support/builtCli.js';

/** Every state's own name, nested ones included. */
const stateNames = (node: MachineStateNode): string[] =>
  Object.entries(node.states ?? {}).flatMap(([name, child]) => [name, ...stateNames(child)]);

/**
 * The edges of a Mermaid state diagram, read as a renderer would: `[*] --> s` at the top is
 * the start, inside `state c { … }` it is `c`'s entry to `s`; `s --> [*]` ends nothing new.
 */
function mermaidEdges(source: string): { from: string; to: string }[] {
  const blocks: string[] = [];
  const edges: { from: string; to: string }[] = [];
  for (const line of source.split('\n').map((l) => l.trim())) {
    const opened = /^state (\w+) \{$/.exec(line);
    if (opened) blocks.push(opened[1]!);
    else if (line === '}') blocks.pop();
    const edge = /^(\S+) --> (\S+)/.exec(line);
    if (!edge || edge[2] === '[*]') continue;
    const from = edge[1] === '[*]' ? (blocks.at(-1) ?? '[*]') : edge[1]!;
    edges.push({ from, to: edge[2]! });
  }
  return edges;
}

describe('machine export --format mermaid', () => {
  it('draws execution_pending as a block entered at queued: every state is reachable', async () => {
    const { code, stdout } = await countersign(['machine', 'export', '--format', 'mermaid']);
    expect(code).toBe(0);

    const block = /^ {2}state execution_pending \{\n((?: {4}.*\n)+) {2}\}$/m.exec(stdout);
    expect(block?.[1]).toContain('    [*] --> queued\n');
    const edges = mermaidEdges(stdout);
    const reached = new Set(['[*]']);
    for (let grew = true; grew;) {
      grew = false;
      for (const { from, to } of edges) {
        if (reached.has(from) && !reached.has(to)) grew = Boolean(reached.add(to));
      }
    }
    const states = stateNames(approvalLaneDefinition() as MachineStateNode);
    expect(states).toEqual(expect.arrayContaining(['queued', 'running', 'executed']));
    expect(states.filter((s) => !reached.has(s))).toEqual([]);
  });
});
