import { channel } from 'node:diagnostics_channel';

/**
 * Named `node:diagnostics_channel` channels countersign publishes to. Subscribing costs the
 * host nothing when no one listens, and publishing never throws into governance code.
 */
export const telemetryChannels = {
  validated: channel('countersign:validated'),
  blocked: channel('countersign:blocked'),
  proposed: channel('countersign:proposed'),
  duplicate: channel('countersign:duplicate'),
  laneTransition: channel('countersign:lane_transition'),
  executionFinished: channel('countersign:execution_finished'),
  enqueueFailed: channel('countersign:enqueue_failed'),
  outcomePoll: channel('countersign:outcome_poll'),
  laneInconsistent: channel('countersign:lane_inconsistent'),
} as const;

/** Channel names, for `diagnostics_channel.subscribe(name, fn)`. */
export type TelemetryChannelName = keyof typeof telemetryChannels;

export function publish(name: TelemetryChannelName, message: Record<string, unknown>): void {
  const ch = telemetryChannels[name];
  if (ch.hasSubscribers) ch.publish(message);
}
