import { defineEntity, p } from '@mikro-orm/core';

/**
 * When the reconciler last re-drove a lane (handed its job to the scheduler again): a lane is
 * re-driven at most once per `redriveAfterMs`, however long its workers are backed up. Kept
 * apart from the lane row, whose every column the lane's own writes own.
 */
export const LaneRedrive = defineEntity({
  name: 'LaneRedrive',
  tableName: 'lane_redrives',
  properties: {
    laneId: p.uuid().primary(),
    redrivenAt: p.datetime(),
  },
});
