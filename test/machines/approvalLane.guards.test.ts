import { describe, expect, it } from 'vitest';
import type { LaneEffect, LaneRefusal } from '../../machines/laneTypes.js';
import {
  AFTER_DEADLINE,
  APPROVER,
  EXPIRES_AT,
  JUST_BEFORE_DEADLINE,
  PROPOSER,
  ROLE,
  audits,
  laneInput,
  openLane,
  sendToLane,
  valid,
} from './laneHarness.js';
import type { LaneEventOf, LaneTurn } from './laneHarness.js';

type Decision = LaneEventOf<'APPROVE'> | LaneEventOf<'REJECT'> | LaneEventOf<'DEFER'>;

/** A refused decision: one `refused` effect, no audit, and a snapshot identical to before. */
function expectRefused(before: LaneTurn, after: LaneTurn, error: LaneRefusal, reason: string) {
  expect(after.effects).toEqual<LaneEffect[]>([{ type: 'refused', error, reason }]);
  expect(audits(after.effects)).toEqual([]);
  expect(after.json).toBe(before.json);
  expect(after.lane.value).toBe('pending');
  expect(after.lane.context.decision).toBeNull();
}

const decisions = {
  APPROVE: valid.APPROVE,
  REJECT: valid.REJECT,
  DEFER: valid.DEFER,
} as const;
const decisionTypes = Object.keys(decisions) as (keyof typeof decisions)[];
const decide = (type: keyof typeof decisions, patch: Partial<Decision>): Decision =>
  ({ ...decisions[type](), ...patch }) as Decision;

describe('four-eyes', () => {
  it('refuses APPROVE by the proposer even when the proposer holds the required role', () => {
    const pending = openLane();
    const after = sendToLane(pending.json, decide('APPROVE', { actorId: PROPOSER }));

    expectRefused(pending, after, 'forbidden', 'four_eyes');
  });

  it('refuses APPROVE by the proposer when no role is required at all', () => {
    const pending = openLane(laneInput({ requiredRole: null }));
    const after = sendToLane(
      pending.json,
      decide('APPROVE', { actorId: PROPOSER, actorRoles: [] }),
    );

    expectRefused(pending, after, 'forbidden', 'four_eyes');
  });

  it('holds against the proposer even when someone else opened the lane', () => {
    const pending = openLane(laneInput({ requestedBy: 'service:billing' }));
    const after = sendToLane(pending.json, decide('APPROVE', { actorId: PROPOSER }));

    expectRefused(pending, after, 'forbidden', 'four_eyes');
  });

  it('lets whoever opened the lane approve when they are not the proposer', () => {
    const pending = openLane(laneInput({ requestedBy: APPROVER }));
    const after = sendToLane(pending.json, valid.APPROVE());

    expect(after.lane.value).toBe('approved');
  });

  it.each(['REJECT', 'DEFER'] as const)(
    'guards approval only: the proposer may %s their own proposal',
    (type) => {
      const after = sendToLane(openLane().json, decide(type, { actorId: PROPOSER }));

      expect(after.lane.value).toBe(type === 'REJECT' ? 'rejected' : 'deferred');
      expect(after.lane.context.decision?.actorId).toBe(PROPOSER);
    },
  );
});

describe('approver authority', () => {
  it.each(decisionTypes)('refuses %s from an actor without the required role', (type) => {
    const pending = openLane();
    const after = sendToLane(pending.json, decide(type, { actorRoles: [] }));

    expectRefused(pending, after, 'forbidden', 'missing_role');
  });

  it.each(decisionTypes)('refuses %s when the actor holds only other roles', (type) => {
    const pending = openLane();
    const roles = ['approver:low', `${ROLE}:extra`, ROLE.toUpperCase()];
    const after = sendToLane(pending.json, decide(type, { actorRoles: roles }));

    expectRefused(pending, after, 'forbidden', 'missing_role');
  });

  it.each(decisionTypes)('accepts %s when the required role is among several', (type) => {
    const after = sendToLane(openLane().json, decide(type, { actorRoles: ['reader', ROLE] }));

    expect(after.lane.value).not.toBe('pending');
  });

  it.each(decisionTypes)('requiredRole null: any non-proposer may %s without roles', (type) => {
    const pending = openLane(laneInput({ requiredRole: null }));
    const after = sendToLane(pending.json, decide(type, { actorId: 'user:carol', actorRoles: [] }));

    expect(after.lane.value).not.toBe('pending');
    expect(after.lane.context.decision?.actorId).toBe('user:carol');
  });
});

describe('the decision deadline', () => {
  it.each(decisionTypes.flatMap((t) => [EXPIRES_AT, AFTER_DEADLINE].map((at) => [t, at])))(
    'refuses %s at %s as expired, before the expiry job has run',
    (type, at) => {
      const pending = openLane();
      const after = sendToLane(pending.json, decide(type as Decision['type'], { at }));

      expectRefused(pending, after, 'expired', 'decision_after_deadline');
    },
  );

  it.each(decisionTypes)('accepts %s one millisecond before the deadline', (type) => {
    const after = sendToLane(openLane().json, decide(type, { at: JUST_BEFORE_DEADLINE }));

    expect(after.lane.value).not.toBe('pending');
    expect(after.lane.context.decision?.at).toBe(JUST_BEFORE_DEADLINE);
  });

  it('compares instants, not strings: the same deadline written with an offset still counts', () => {
    const pending = openLane();
    const after = sendToLane(pending.json, decide('APPROVE', { at: '2030-01-02T01:00:00+01:00' }));

    expectRefused(pending, after, 'expired', 'decision_after_deadline');
  });

  it('EXPIRE is not held to the deadline: the expiry job may run late', () => {
    const after = sendToLane(openLane().json, {
      ...valid.EXPIRE(),
      at: '2030-02-01T00:00:00.000Z',
    });

    expect(after.lane.value).toBe('expired');
  });
});

describe('reasons', () => {
  it.each(
    (['REJECT', 'DEFER'] as const).flatMap((t) => ['', ' ', '\n\t '].map((r) => [t, r] as const)),
  )('refuses %s with the blank reason %j', (type, reason) => {
    const pending = openLane();
    const after = sendToLane(pending.json, decide(type, { reason }));

    expectRefused(pending, after, 'invalid_event', 'reason_required');
  });

  it.each(['REJECT', 'DEFER'] as const)('keeps the reason of %s as given', (type) => {
    const after = sendToLane(openLane().json, decide(type, { reason: '  see ticket 12  ' }));

    expect(after.lane.context.decision?.reason).toBe('  see ticket 12  ');
  });
});

// The order of the guards decides which refusal a caller sees when several apply.
describe('precedence of refusals', () => {
  const cases: [string, Decision, LaneRefusal, string][] = [
    [
      'APPROVE: past deadline beats four-eyes',
      decide('APPROVE', { actorId: PROPOSER, at: EXPIRES_AT }),
      'expired',
      'decision_after_deadline',
    ],
    [
      'APPROVE: past deadline beats missing role',
      decide('APPROVE', { actorRoles: [], at: EXPIRES_AT }),
      'expired',
      'decision_after_deadline',
    ],
    [
      'APPROVE: four-eyes beats missing role',
      decide('APPROVE', { actorId: PROPOSER, actorRoles: [] }),
      'forbidden',
      'four_eyes',
    ],
    ...(['REJECT', 'DEFER'] as const).flatMap((t): [string, Decision, LaneRefusal, string][] => [
      [
        `${t}: blank reason beats past deadline`,
        decide(t, { reason: ' ', at: EXPIRES_AT }),
        'invalid_event',
        'reason_required',
      ],
      [
        `${t}: blank reason beats missing role`,
        decide(t, { reason: '', actorRoles: [] }),
        'invalid_event',
        'reason_required',
      ],
      [
        `${t}: past deadline beats missing role`,
        decide(t, { actorRoles: [], at: AFTER_DEADLINE }),
        'expired',
        'decision_after_deadline',
      ],
    ]),
  ];

  it.each(cases)('%s', (_name, event, error, reason) => {
    const pending = openLane();
    expectRefused(pending, sendToLane(pending.json, event), error, reason);
  });
});

describe('after a refusal', () => {
  it('the lane still takes a valid decision, as if the refusal never happened', () => {
    const pending = openLane();
    const refused = sendToLane(pending.json, decide('APPROVE', { actorId: PROPOSER }));
    const fromRefused = sendToLane(refused.json, valid.APPROVE());
    const direct = sendToLane(pending.json, valid.APPROVE());

    expect(fromRefused.json).toBe(direct.json);
    expect(fromRefused.effects).toEqual(direct.effects);
  });
});
