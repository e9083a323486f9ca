import { describe, expect, it } from 'vitest';
import { APPROVAL_LANE_MACHINE_VERSION } from '../../machines/approvalLane.machine.js';
import { approvalLaneDefinition } from '../../machines/approvalLaneDefinition.js';
import { laneEventTypes } from './laneHarness.js';

const text = () => JSON.stringify(approvalLaneDefinition());

describe('approvalLaneDefinition', () => {
  it('is plain JSON: it survives a round trip unchanged', () => {
    const definition = approvalLaneDefinition();

    expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
  });

  it('hands out a fresh copy each time', () => {
    const first = approvalLaneDefinition();
    first.id = 'tampered';

    expect(approvalLaneDefinition().id).toBe('approvalLane');
  });

  it('carries the machine version', () => {
    expect(approvalLaneDefinition().version).toBe(String(APPROVAL_LANE_MACHINE_VERSION));
  });

  it('lists every state, with queued and running inside execution_pending', () => {
    const states = approvalLaneDefinition().states as Record<string, { states: object }>;

    expect(Object.keys(states).sort()).toEqual(
      [
        'requested',
        'pending',
        'approved',
        'execution_pending',
        'executed',
        'execution_failed',
        'rejected',
        'deferred',
        'expired',
        'escalated',
      ].sort(),
    );
    expect(Object.keys(states.execution_pending!.states).sort()).toEqual(['queued', 'running']);
  });

  it.each(laneEventTypes)('names the event %s', (type) => {
    expect(text()).toContain(`"${type}"`);
  });

  it.each(['isProposer', 'isPastDeadline'])('names the guard %s', (guard) => {
    expect(text()).toContain(`"${guard}"`);
  });

  // Known bug (see the report): guards wrapped in `not(...)` are functions, which
  // JSON.stringify drops, so these transitions look unguarded. Flip to `it.each` once fixed.
  it.each(['hasRequiredRole', 'hasReason', 'isApprovedInput'])(
    'names the negated guard %s',
    (guard) => {
      expect(text()).toContain(`"${guard}"`);
    },
  );

  // Known bug (see the report): XState's `definition` leaves out `always` transitions, so the
  // opening (requested → pending / approved) and what it does are missing from the JSON.
  it.each(['isAutoApproved', 'recordRequest', 'enqueueExpiry', 'recordAutoApproval'])(
    'shows the opening transition, naming %s',
    (name) => {
      expect(text()).toContain(`"${name}"`);
    },
  );

  it.each([
    'refuse',
    'recordDecision',
    'auditDecision',
    'enqueueResume',
    'recordStep',
    'enqueueExecution',
    'recordClaim',
    'recordResult',
    'recordFailure',
    'recordInputMismatch',
  ])('names the action %s', (action) => {
    expect(text()).toContain(`"${action}"`);
  });

  it.each(['four_eyes', 'missing_role', 'decision_after_deadline', 'reason_required'])(
    'shows the refusal %s',
    (reason) => {
      expect(text()).toContain(`"${reason}"`);
    },
  );
});
