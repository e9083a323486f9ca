import { describe, expect, it } from 'vitest';
import type { LaneEdit, LaneEvent } from '../../machines/laneTypes.js';
import {
  APPROVER,
  CALL_DIGEST,
  DECIDED_AT,
  INPUT_HASH,
  PROPOSER,
  ROLE,
  laneInput,
  openLane,
  sendToLane,
} from './laneHarness.js';
import type { LaneTurn } from './laneHarness.js';

const approve = (actorId: string, extra: Partial<LaneEvent> = {}): LaneEvent =>
  ({ type: 'APPROVE', actorId, actorRoles: [ROLE], at: DECIDED_AT, ...extra }) as LaneEvent;
const reject = (actorId: string): LaneEvent => ({
  type: 'REJECT',
  actorId,
  actorRoles: [ROLE],
  reason: 'no',
  at: DECIDED_AT,
});
const run = (turn: LaneTurn, ...events: LaneEvent[]) =>
  events.reduce((t, e) => sendToLane(t.json, e), turn);
const refusal = (turn: LaneTurn) => turn.effects.find((e) => e.type === 'refused');
const audits = (turn: LaneTurn) =>
  turn.effects.flatMap((e) => (e.type === 'audit' ? [e.event] : []));

const twoOfThree = () => openLane(laneInput({ quorum: { count: 2 } }));
const edit: LaneEdit = {
  input: { cents: 500 },
  inputHash: 'sha256:' + 'e'.repeat(64),
  callDigest: 'd'.repeat(64),
  cost: 0,
  originalInputHash: INPUT_HASH,
  diff: [{ path: '/cents', before: 900, after: 500 }],
};

describe('a quorum lane', () => {
  it('stays pending after the first approval, recorded as approval_recorded, "1 of 2"', () => {
    const first = run(twoOfThree(), approve('user:carol'));

    expect(first.lane.value).toBe('pending');
    expect(audits(first)).toEqual(['approval_recorded']);
    const recorded = first.effects.find((e) => e.type === 'audit');
    expect(recorded).toMatchObject({ data: { approvals: 1, required: 2 } });
  });

  it('is approved by the approval that completes it, naming every approver', () => {
    const done = run(twoOfThree(), approve('user:carol'), approve('user:dave'));

    expect(done.lane.value).toBe('approved');
    expect(audits(done)).toEqual(['approved']);
    expect(done.lane.context.decision).toMatchObject({
      kind: 'approved',
      actorId: 'user:dave',
      approvers: ['user:carol', 'user:dave'],
      inputHash: INPUT_HASH,
      callDigest: CALL_DIGEST,
    });
  });

  it('refuses the proposer and a second approval by the same approver', () => {
    const once = run(twoOfThree(), approve('user:carol'));

    expect(refusal(run(once, approve(PROPOSER)))).toMatchObject({ reason: 'four_eyes' });
    const twice = run(once, approve('user:carol'));
    expect(refusal(twice)).toMatchObject({ error: 'forbidden', reason: 'already_decided' });
    expect(twice.lane.context.approvals).toHaveLength(1);
  });

  it("takes its roles instead of the tier's: an approver without one is refused", () => {
    const lane = openLane(laneInput({ quorum: { count: 2, roles: ['finance'] } }));

    expect(refusal(run(lane, approve(APPROVER)))).toMatchObject({ reason: 'missing_role' });
    const finance = run(lane, approve(APPROVER, { actorRoles: ['finance'] } as never));
    expect(finance.lane.context.approvals).toHaveLength(1);
  });

  it('is rejected by one rejection, or, counting them, by as many as it needs approvals', () => {
    expect(run(twoOfThree(), approve('user:carol'), reject('user:dave')).lane.value).toBe(
      'rejected',
    );
    const counting = openLane(laneInput({ quorum: { count: 2, onRejection: 'count' } }));
    const one = run(counting, reject('user:carol'));
    expect(one.lane.value).toBe('pending');
    expect(audits(one)).toEqual(['rejection_recorded']);
    expect(refusal(run(one, reject('user:carol')))).toMatchObject({ reason: 'already_decided' });
    const last = run(one, reject('user:dave'));
    expect(last.lane.value).toBe('rejected');
    expect(last.lane.context.rejections.map((v) => v.actorId)).toEqual(['user:carol', 'user:dave']);
    // The proposer's own rejection withdraws the call at once.
    expect(run(counting, reject(PROPOSER)).lane.value).toBe('rejected');
  });

  it('is never approved by default: a default approval rejects it', () => {
    const lane = run(twoOfThree(), approve('user:carol'));
    const defaulted = run(lane, {
      type: 'DEFAULT_DECISION',
      decision: 'approve',
      at: '2030-01-02T00:00:00.000Z',
    });
    expect(defaulted.lane.value).toBe('rejected');
  });
});

describe('an approval with an edit', () => {
  it("back to the proposal's input takes the edit down", () => {
    const edited = run(twoOfThree(), approve('user:carol', { edit } as never));
    const back = { ...edit, input: { cents: 900 }, inputHash: INPUT_HASH, diff: [] };
    const reverted = run(
      edited,
      approve('user:dave', { edit: back, inputHash: edit.inputHash } as never),
    );
    expect(reverted.lane.context.edit).toBeNull();
    expect(reverted.lane.context.approvals.at(-1)).toMatchObject({ inputHash: INPUT_HASH });
  });

  it('approves the edited input and call, recording both hashes and the change', () => {
    const done = run(openLane(), approve(APPROVER, { edit } as never));

    expect(done.lane.value).toBe('approved');
    expect(done.lane.context.edit).toMatchObject({ ...edit, by: APPROVER, at: DECIDED_AT });
    expect(done.lane.context.decision).toMatchObject({
      inputHash: edit.inputHash,
      callDigest: edit.callDigest,
      edit: { originalInputHash: INPUT_HASH, diff: edit.diff, by: APPROVER },
    });
  });

  it('in a quorum, puts the edit up: earlier approvals of the old input stop counting', () => {
    const edited = run(
      twoOfThree(),
      approve('user:carol'),
      approve('user:dave', { edit } as never),
    );

    expect(edited.lane.value).toBe('pending');
    // Approving without naming the input seen, or naming the old one, approves nothing.
    expect(refusal(run(edited, approve('user:erin')))).toMatchObject({
      error: 'conflict',
      reason: 'input_changed',
    });
    const stale = approve('user:erin', { inputHash: INPUT_HASH } as never);
    expect(refusal(run(edited, stale))).toMatchObject({ reason: 'input_changed' });
    const done = run(edited, approve('user:erin', { inputHash: edit.inputHash } as never));
    expect(done.lane.value).toBe('approved');
    expect(done.lane.context.decision).toMatchObject({
      inputHash: edit.inputHash,
      approvers: ['user:dave', 'user:erin'],
    });
  });
});
