/** A state of a machine's config as JSON (`approvalLaneDefinition()`): its children and transitions. */
export interface MachineStateNode {
  initial?: string;
  type?: string;
  states?: Record<string, MachineStateNode>;
  on?: Record<string, MachineTransition | MachineTransition[]>;
  always?: MachineTransition | MachineTransition[];
}

/** A transition as written: a target, or an object with a target (or none: a refusal) and a guard. */
export type MachineTransition = string | { target?: string | string[]; guard?: unknown };

/** One edge that changes state: from a state's path, on an event (null: eventless), to a path. */
export interface MachineEdge {
  from: string[];
  to: string[];
  event: string | null;
  guard: string | null;
}

/** Options of {@link machineMermaid}. */
export interface MermaidOptions {
  /**
   * Write each event's guard beside it (`APPROVE [completesQuorum]`), one edge per guard.
   *
   * @default false
   */
  guards?: boolean;
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

/**
 * Every edge of a machine config that changes state, in the order written; refusals
 * (transitions without a target) are left out.
 *
 * @example
 * const approvals = machineEdges(approvalLaneDefinition()).filter((e) => e.event === 'APPROVE');
 */
export function machineEdges(node: MachineStateNode, path: string[] = []): MachineEdge[] {
  return Object.entries(node.states ?? {}).flatMap(([name, child]) => {
    const here = [...path, name];
    const transitions = [
      ...Object.entries(child.on ?? {}).flatMap(([event, t]) =>
        list(t).map((x) => [event, x] as const),
      ),
      ...list(child.always).map((x) => [null, x] as const),
    ];
    const own = transitions.flatMap(([event, t]) =>
      list(typeof t === 'string' ? t : t.target).map((to) => ({
        from: here,
        // Targets are siblings, unless written as a child (`.queued`) or by id (`#machine.a.b`).
        to: to.startsWith('#')
          ? to.split('.').slice(1)
          : to.startsWith('.')
            ? [...here, to.slice(1)]
            : [...path, to],
        event,
        guard: typeof t === 'string' ? null : guardName(t.guard),
      })),
    );
    return [...own, ...machineEdges(child, here)];
  });
}

/** Where an edge is drawn: in the innermost state holding both ends, between its children. */
function drawnIn(edge: MachineEdge): { parent: string; from: string; to: string } {
  const shorter = Math.min(edge.from.length, edge.to.length);
  let depth = 0;
  while (depth < shorter - 1 && edge.from[depth] === edge.to[depth]) depth += 1;
  return {
    parent: edge.from.slice(0, depth).join('.'),
    from: edge.from[depth]!,
    to: edge.to[depth]!,
  };
}

/**
 * The lines of one state's children: its initial edge, a `state name { … }` block for each
 * compound child, the edges between its children and into its final children's end.
 */
function block(
  node: MachineStateNode,
  path: string[],
  edges: readonly MachineEdge[],
  options: MermaidOptions,
): string[] {
  const children = Object.entries(node.states ?? {});
  const lines = [`[*] --> ${node.initial ?? children[0]?.[0]}`];
  for (const [name, child] of children) {
    if (!child.states) continue;
    const inner = block(child, [...path, name], edges, options);
    lines.push(`state ${name} {`, ...inner.map((l) => `  ${l}`), '}');
  }
  for (const edge of edges) {
    const { parent, from, to } = drawnIn(edge);
    if (parent !== path.join('.')) continue;
    // An eventless edge is labelled by its guard; an event by its name, and guard if asked.
    const label =
      edge.event === null
        ? (edge.guard ?? '')
        : options.guards && edge.guard
          ? `${edge.event} [${edge.guard}]`
          : edge.event;
    lines.push(`${from} --> ${to}${label ? ` : ${label}` : ''}`);
  }
  for (const [name, child] of children) if (child.type === 'final') lines.push(`${name} --> [*]`);
  return [...new Set(lines)];
}

/**
 * A machine config drawn as a Mermaid `stateDiagram-v2`, compound states as nested blocks
 * entered by their initial edge; an edge that leaves a compound state is drawn from it (the
 * layout stays readable). States are named by their own key, which must be unique.
 *
 * @example
 * writeFileSync('lane.mmd', machineMermaid(approvalLaneDefinition(), { guards: true }));
 */
export function machineMermaid(definition: MachineStateNode, options: MermaidOptions = {}): string {
  const lines = ['direction LR', ...block(definition, [], machineEdges(definition), options)];
  return ['stateDiagram-v2', ...lines.map((l) => `  ${l}`)].join('\n');
}
