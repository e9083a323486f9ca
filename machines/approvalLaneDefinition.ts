import { approvalLaneMachine } from './approvalLane.machine.js';

/**
 * The lane machine's definition as plain JSON (states, transitions, and guards and actions
 * by name), for documentation and tools that draw or diff the machine.
 *
 * @example
 * writeFileSync('lane.json', JSON.stringify(approvalLaneDefinition(), null, 2));
 */
export function approvalLaneDefinition(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(approvalLaneMachine.definition)) as Record<string, unknown>;
}
