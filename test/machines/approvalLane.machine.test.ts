import { describe, expect, it } from 'vitest';
import type { LaneEffect } from '../../machines/laneTypes.js';
import {
  APPROVER,
  CALL_DIGEST,
  CLAIMED_AT,
  DECIDED_AT,
  EXPIRES_AT,
  FINISHED_AT,
  INPUT_HASH,
  LEASE_UNTIL,
  OPENED_AT,
  PROPOSER,
  RESUMED_AT,
  RETRY_AT,
  ROLE,
  audits,
  laneInput,
  openLane,
  reach,
  sendToLane,
  valid,
} from './laneHarness.js';
import type { LaneTurn } from './laneHarness.js';

/** The invariant of every accepted transition: exactly one audit effect, named `event`. */
function expectOneAudit(step: LaneTurn, event: string): void {
  expect(audits(step.effects).map((a) => a.event)).toEqual([event]);
  expect(step.effects.filter((e) => e.type === 'refused')).toEqual([]);
}

describe('opening a lane', () => {
  it('goes requested → pending, recording the request and enqueueing the expiry job', () => {
    const opened = openLane();

    expect(opened.lane.status).toBe('active');
    expect(opened.lane.value).toBe('pending');
    expect(opened.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'approval_requested',
        actorId: PROPOSER,
        at: OPENED_AT,
        data: {
          expiresAt: EXPIRES_AT,
          requiredRole: ROLE,
          inputHash: INPUT_HASH,
          callDigest: CALL_DIGEST,
        },
      },
      { type: 'enqueue', job: 'approval-expiry', runAt: EXPIRES_AT },
    ]);
    expectOneAudit(opened, 'approval_requested');
  });

  it('starts with an empty decision, no attempts and the opening facts', () => {
    const { context } = openLane(laneInput({ requestedBy: 'service:billing' })).lane;

    expect(context).toEqual({
      laneId: 'lane-1',
      proposalId: 'proposal-1',
      proposerId: PROPOSER,
      requiredRole: ROLE,
      expireRole: null,
      inputHash: INPUT_HASH,
      callDigest: CALL_DIGEST,
      edit: null,
      quorum: null,
      approvals: [],
      rejections: [],
      expiresAt: EXPIRES_AT,
      escalationDepth: 0,
      opened: { by: 'service:billing', at: OPENED_AT, autoApprovedBy: null },
      decision: null,
      attempt: 0,
      leaseUntil: null,
      retryAt: null,
      result: null,
      failure: null,
    });
  });

  it('starts approved, decided by `autoApprovedBy`, when the input says so', () => {
    const opened = openLane(laneInput({ autoApprovedBy: 'policy:auto', expiresAt: null }));

    expect(opened.lane.value).toBe('approved');
    expect(opened.lane.context.decision).toEqual({
      kind: 'approved',
      actorId: 'policy:auto',
      at: OPENED_AT,
      note: null,
      reason: null,
      inputHash: INPUT_HASH,
      callDigest: CALL_DIGEST,
    });
    expect(opened.lane.context.opened.autoApprovedBy).toBe('policy:auto');
    expect(opened.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'approved',
        actorId: 'policy:auto',
        at: OPENED_AT,
        data: { ...opened.lane.context.decision },
      },
      { type: 'enqueue', job: 'approval-resume', runAt: null },
    ]);
    expectOneAudit(opened, 'approved');
  });

  it('an auto-approved lane goes on to execution like any approved one', () => {
    const opened = openLane(laneInput({ autoApprovedBy: 'policy:auto', expiresAt: null }));
    const resumed = sendToLane(opened.json, valid.RESUME());
    const claimed = sendToLane(resumed.json, valid.EXECUTION_CLAIMED());

    expect(claimed.lane.value).toEqual({ execution_pending: 'running' });
    expect(claimed.lane.context.attempt).toBe(1);
  });
});

describe('decisions on a pending lane', () => {
  it('APPROVE → approved, recording who, when, the note and the approved input hash', () => {
    const approved = sendToLane(reach('pending').json, valid.APPROVE());

    expect(approved.lane.value).toBe('approved');
    expect(approved.lane.status).toBe('active');
    const decision = {
      kind: 'approved',
      actorId: APPROVER,
      at: DECIDED_AT,
      note: 'checked the amount',
      reason: null,
      inputHash: INPUT_HASH,
      callDigest: CALL_DIGEST,
    };
    expect(approved.lane.context.decision).toEqual(decision);
    expect(approved.effects).toEqual<LaneEffect[]>([
      { type: 'audit', event: 'approved', actorId: APPROVER, at: DECIDED_AT, data: decision },
      { type: 'enqueue', job: 'approval-resume', runAt: null },
    ]);
    expectOneAudit(approved, 'approved');
  });

  it('APPROVE without a note records the note as null', () => {
    const { note: _note, ...withoutNote } = valid.APPROVE();
    const approved = sendToLane(reach('pending').json, withoutNote);

    expect(approved.lane.context.decision?.note).toBeNull();
  });

  it.each([
    ['REJECT', 'rejected', valid.REJECT()],
    ['DEFER', 'deferred', valid.DEFER()],
  ] as const)('%s → %s, final, recording the reason', (_type, kind, event) => {
    const decided = sendToLane(reach('pending').json, event);

    expect(decided.lane.value).toBe(kind);
    expect(decided.lane.status).toBe('done');
    const decision = {
      kind,
      actorId: APPROVER,
      at: DECIDED_AT,
      note: null,
      reason: event.reason,
      inputHash: INPUT_HASH,
      callDigest: CALL_DIGEST,
    };
    expect(decided.lane.context.decision).toEqual(decision);
    expect(decided.effects).toEqual<LaneEffect[]>([
      { type: 'audit', event: kind, actorId: APPROVER, at: DECIDED_AT, data: decision },
    ]);
    expectOneAudit(decided, kind);
  });

  it('EXPIRE → expired, final, decided by the expiring actor', () => {
    const expired = sendToLane(reach('pending').json, valid.EXPIRE());

    expect(expired.lane.value).toBe('expired');
    expect(expired.lane.status).toBe('done');
    const decision = {
      kind: 'expired',
      actorId: 'system',
      at: EXPIRES_AT,
      note: null,
      reason: null,
      inputHash: INPUT_HASH,
      callDigest: CALL_DIGEST,
    };
    expect(expired.lane.context.decision).toEqual(decision);
    expect(expired.effects).toEqual<LaneEffect[]>([
      { type: 'audit', event: 'expired', actorId: 'system', at: EXPIRES_AT, data: decision },
    ]);
    expectOneAudit(expired, 'expired');
  });
});

describe('execution of an approved lane', () => {
  it('RESUME → execution_pending.queued, enqueueing the tool execution now', () => {
    const queued = sendToLane(reach('approved').json, valid.RESUME());

    expect(queued.lane.value).toEqual({ execution_pending: 'queued' });
    expect(queued.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'execution_enqueued',
        actorId: 'system:scheduler',
        at: RESUMED_AT,
        data: { attempt: 0 },
      },
      { type: 'enqueue', job: 'tool-execution', runAt: null },
    ]);
    expectOneAudit(queued, 'execution_enqueued');
  });

  it('EXECUTION_CLAIMED with the approved input hash → running, attempt 1, leased', () => {
    const running = sendToLane(reach('queued').json, valid.EXECUTION_CLAIMED());

    expect(running.lane.value).toEqual({ execution_pending: 'running' });
    expect(running.lane.context.attempt).toBe(1);
    expect(running.lane.context.leaseUntil).toBe(LEASE_UNTIL);
    expect(running.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'execution_started',
        actorId: 'system:worker',
        at: CLAIMED_AT,
        data: { attempt: 1 },
      },
    ]);
    expectOneAudit(running, 'execution_started');
  });

  it('EXECUTION_CLAIMED with another input hash → execution_failed (input_mismatch), never running', () => {
    const failed = sendToLane(reach('queued').json, {
      ...valid.EXECUTION_CLAIMED(),
      inputHash: 'sha256:' + 'b'.repeat(64),
    });

    expect(failed.lane.value).toBe('execution_failed');
    expect(failed.lane.status).toBe('done');
    expect(failed.lane.context.failure?.code).toBe('input_mismatch');
    expect(failed.lane.context.attempt).toBe(0);
    expect(failed.lane.context.leaseUntil).toBeNull();
    expect(failed.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'execution_failed',
        actorId: 'system:worker',
        at: CLAIMED_AT,
        data: { attempt: 0, failure: failed.lane.context.failure },
      },
    ]);
    expectOneAudit(failed, 'execution_failed');
  });

  it('EXECUTION_SUCCEEDED → executed, final, keeping the result and releasing the lease', () => {
    const executed = sendToLane(reach('running').json, valid.EXECUTION_SUCCEEDED());

    expect(executed.lane.value).toBe('executed');
    expect(executed.lane.status).toBe('done');
    expect(executed.lane.context.result).toEqual({ paid: true, reference: 'tx-42' });
    expect(executed.lane.context.leaseUntil).toBeNull();
    expect(executed.lane.context.failure).toBeNull();
    expect(executed.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'executed',
        actorId: 'system:worker',
        at: FINISHED_AT,
        data: { attempt: 1 },
      },
    ]);
    expectOneAudit(executed, 'executed');
  });

  it('EXECUTION_FAILED → execution_failed, final, keeping the failure', () => {
    const event = valid.EXECUTION_FAILED();
    const failed = sendToLane(reach('running').json, event);

    expect(failed.lane.value).toBe('execution_failed');
    expect(failed.lane.status).toBe('done');
    expect(failed.lane.context.failure).toEqual(event.failure);
    expect(failed.lane.context.leaseUntil).toBeNull();
    expect(failed.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'execution_failed',
        actorId: 'system:worker',
        at: FINISHED_AT,
        data: { attempt: 1, failure: event.failure },
      },
    ]);
    expectOneAudit(failed, 'execution_failed');
  });

  it('EXECUTION_RETRY → queued again, enqueueing at retryAt; the next claim is attempt 2', () => {
    const event = valid.EXECUTION_RETRY();
    const retrying = sendToLane(reach('running').json, event);

    expect(retrying.lane.value).toEqual({ execution_pending: 'queued' });
    expect(retrying.lane.context.failure).toEqual(event.failure);
    expect(retrying.lane.context.leaseUntil).toBeNull();
    expect(retrying.lane.context.attempt).toBe(1);
    expect(retrying.lane.context.retryAt).toBe(RETRY_AT);
    expect(retrying.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'execution_retry_scheduled',
        actorId: 'system:worker',
        at: FINISHED_AT,
        data: { attempt: 1, failure: event.failure },
      },
      { type: 'enqueue', job: 'tool-execution', runAt: RETRY_AT },
    ]);
    expectOneAudit(retrying, 'execution_retry_scheduled');

    const secondLease = '2030-01-01T12:15:00.000Z';
    const again = sendToLane(retrying.json, {
      ...valid.EXECUTION_CLAIMED(),
      leaseUntil: secondLease,
      at: RETRY_AT,
    });
    expect(again.lane.value).toEqual({ execution_pending: 'running' });
    expect(again.lane.context.attempt).toBe(2);
    expect(again.lane.context.leaseUntil).toBe(secondLease);
    expect(again.lane.context.retryAt).toBeNull();
    expect(again.effects).toEqual<LaneEffect[]>([
      {
        type: 'audit',
        event: 'execution_started',
        actorId: 'system:worker',
        at: RETRY_AT,
        data: { attempt: 2 },
      },
    ]);
  });

  it('a retried lane can still end executed, with the decision untouched', () => {
    const retrying = sendToLane(reach('running').json, valid.EXECUTION_RETRY());
    const again = sendToLane(retrying.json, valid.EXECUTION_CLAIMED());
    const executed = sendToLane(again.json, valid.EXECUTION_SUCCEEDED());

    expect(executed.lane.value).toBe('executed');
    expect(executed.lane.context.attempt).toBe(2);
    expect(executed.lane.context.decision).toEqual(reach('approved').lane.context.decision);
    expectOneAudit(executed, 'executed');
  });

  // Known bug (see the report): recordResult leaves the last retry's failure in context, and
  // recordStep copies it into the `executed` audit event. Flip each to `it` once fixed.
  it('an executed lane keeps no failure left over from an earlier attempt', () => {
    const retrying = sendToLane(reach('running').json, valid.EXECUTION_RETRY());
    const again = sendToLane(retrying.json, valid.EXECUTION_CLAIMED());
    const executed = sendToLane(again.json, valid.EXECUTION_SUCCEEDED());

    expect(executed.lane.context.failure).toBeNull();
  });

  it('the executed audit event of a retried lane carries no earlier failure', () => {
    const retrying = sendToLane(reach('running').json, valid.EXECUTION_RETRY());
    const again = sendToLane(retrying.json, valid.EXECUTION_CLAIMED());
    const executed = sendToLane(again.json, valid.EXECUTION_SUCCEEDED());

    expect(audits(executed.effects)[0]?.data).toEqual({ attempt: 2 });
  });
});

describe('a claim runs only the call the decision approved', () => {
  it.each([
    ['another digest', 'd'.repeat(64)],
    ['no digest (the chain did not authorise the run)', null],
  ])('a claim with %s fails the lane as call_mismatch, recording it', (_label, callDigest) => {
    const failed = sendToLane(reach('queued').json, { ...valid.EXECUTION_CLAIMED(), callDigest });

    expect(failed.lane.value).toBe('execution_failed');
    expect(failed.lane.context.failure).toMatchObject({ code: 'call_mismatch' });
    expect(failed.lane.context.attempt).toBe(0);
    expectOneAudit(failed, 'execution_failed');
  });

  it('a swapped input is still refused as input_mismatch, before the digest is compared', () => {
    const failed = sendToLane(reach('queued').json, {
      ...valid.EXECUTION_CLAIMED(),
      inputHash: 'sha256:' + 'b'.repeat(64),
      callDigest: null,
    });

    expect(failed.lane.context.failure).toMatchObject({ code: 'input_mismatch' });
  });

  it('every decision records the digest it approves', () => {
    for (const state of ['approved', 'rejected', 'deferred', 'expired'] as const) {
      expect(reach(state).lane.context.decision?.callDigest, state).toBe(CALL_DIGEST);
    }
  });
});

describe('who may expire a pending lane', () => {
  const hostExpire = (actorRoles: string[]) => ({ ...valid.EXPIRE(), actorId: 'ops', actorRoles });

  it('the deadline sweep (no roles) always may', () => {
    expect(sendToLane(reach('pending').json, valid.EXPIRE()).lane.value).toBe('expired');
  });

  it("a host's actor needs the lane's expireRole, else the approver's role", () => {
    const withRole = openLane(laneInput({ expireRole: 'lane-admin' }));
    const refused = sendToLane(withRole.json, hostExpire([ROLE]));
    expect(refused.effects).toEqual([
      { type: 'refused', error: 'forbidden', reason: 'missing_role' },
    ]);
    expect(sendToLane(withRole.json, hostExpire(['lane-admin'])).lane.value).toBe('expired');

    const approverRole = reach('pending').json;
    expect(sendToLane(approverRole, hostExpire([])).effects).toEqual([
      { type: 'refused', error: 'forbidden', reason: 'missing_role' },
    ]);
    expect(sendToLane(approverRole, hostExpire([ROLE])).lane.value).toBe('expired');
  });
});
