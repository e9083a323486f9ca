/** The formats `countersign machine export` writes. */
export type MachineFormat = 'json' | 'mermaid' | 'scxml-like';

interface StateNode {
  initial?: string;
  type?: string;
  states?: Record<string, StateNode>;
  on?: Record<string, Transition | Transition[]>;
  always?: Transition | Transition[];
}

type Transition = string | { target?: string | string[]; guard?: unknown };

/** One edge of the machine: from a state, on an event, under a guard, to a state. */
interface Edge {
  from: string;
  to: string;
  event: string;
  guard: string | null;
}

const list = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function guardName(guard: unknown): string | null {
  if (guard === undefined) return null;
  if (typeof guard === 'string') return guard;
  const g = guard as { type?: string; guards?: unknown[] };
  if (g.type === 'xstate.not') return `!${g.guards?.map(guardName).join(',')}`;
  return g.type ?? null;
}

/** Every state's path (`a.b` for a child) and every edge that changes state, in order. */
function walk(node: StateNode, path: string[] = []): { states: string[][]; edges: Edge[] } {
  const states: string[][] = [];
  const edges: Edge[] = [];
  for (const [name, child] of Object.entries(node.states ?? {})) {
    const here = [...path, name];
    states.push(here);
    const transitions = [
      ...Object.entries(child.on ?? {}).flatMap(([event, t]) =>
        list(t).map((x) => [event, x] as const),
      ),
      ...list(child.always).map((x) => ['(always)', x] as const),
    ];
    for (const [event, t] of transitions) {
      const target = typeof t === 'string' ? t : t.target;
      for (const to of list(target)) {
        // Targets are siblings, unless written as a child (`.queued`) or by id (`#machine.a.b`).
        const resolved = to.startsWith('#')
          ? to.split('.').slice(1)
          : to.startsWith('.')
            ? [...here, to.slice(1)]
            : [...path, to];
        edges.push({
          from: here.join('.'),
          to: resolved.join('.'),
          event,
          guard: typeof t === 'string' ? null : guardName(t.guard),
        });
      }
    }
    const inner = walk(child, here);
    states.push(...inner.states);
    edges.push(...inner.edges);
  }
  return { states, edges };
}

const mermaidId = (path: string) => path.replace(/\./g, '__');
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Mermaid `stateDiagram-v2`: refusals (self-loops without a target) are left out. */
function mermaid(definition: StateNode): string {
  const { states, edges } = walk(definition);
  const lines = ['stateDiagram-v2', `  [*] --> ${definition.initial}`];
  for (const s of states) lines.push(`  state "${s.at(-1)}" as ${mermaidId(s.join('.'))}`);
  for (const e of edges) {
    const label = e.guard ? `${e.event} [${e.guard}]` : e.event;
    lines.push(`  ${mermaidId(e.from)} --> ${mermaidId(e.to)} : ${label}`);
  }
  for (const s of states) {
    const node = s.reduce<StateNode | undefined>((n, k) => n?.states?.[k], definition);
    if (node?.type === 'final') lines.push(`  ${mermaidId(s.join('.'))} --> [*]`);
  }
  return `${lines.join('\n')}\n`;
}

/** An SCXML-shaped document: states nested as in the machine, transitions with guards as `cond`. */
function scxmlLike(definition: StateNode & { id?: string }): string {
  const { edges } = walk(definition);
  const render = (node: StateNode, path: string[], depth: number): string[] =>
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
          .filter((e) => e.from === here)
          .map(
            (e) =>
              `${pad}  <transition event="${xml(e.event)}" target="${xml(e.to)}"${e.guard ? ` cond="${xml(e.guard)}"` : ''}/>`,
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
  if (format === 'mermaid') return mermaid(definition as StateNode);
  if (format === 'scxml-like') return scxmlLike(definition as StateNode);
  return `${JSON.stringify(definition, null, 2)}\n`;
}
