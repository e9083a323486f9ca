import { approvalLaneMachine } from './approvalLane.machine.js';

// Higher-order guards such as `not('hasReason')` are functions in the config; written out
// in XState's JSON shape they keep the name of the guard they wrap.
function describe(_key: string, value: unknown): unknown {
  if (typeof value === 'function' && 'guards' in value) {
    return { type: `xstate.${value.name}`, guards: (value as { guards: unknown[] }).guards };
  }
  return value;
}

/**
 * The lane machine as written (states, transitions, and guards and actions by name) as
 * plain JSON, for documentation and tools that draw or diff the machine. It is the config,
 * not XState's resolved definition, so the opening transitions out of `requested` are in it.
 *
 * @example
 * writeFileSync('lane.json', JSON.stringify(approvalLaneDefinition(), null, 2));
 */
export function approvalLaneDefinition(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(approvalLaneMachine.config, describe)) as Record<
    string,
    unknown
  >;
}
