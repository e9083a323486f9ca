import type { PolicyBody } from '../../machines/caseTypes.js';
import type { CaseEventRow, CaseRow } from '../../persistence/rows.js';
import { openedUnder, replayCaseChain, rowDisagreement } from './caseReplay.js';
import type { CaseDisagreement } from './caseReplay.js';
import { policyHash } from './policy.js';

/** Where a case's row, or its chain's meaning, is not what its events lead to. */
export interface CaseTrailProblem extends CaseDisagreement {
  problem: 'inconsistent';
  seq: number;
  eventId: string | null;
}

/** What the replay found out about how the case was written. */
export interface CaseTrailRules {
  /** Opened before its version counted only the events its chain records (rule 1). */
  versionBounded: boolean;
}

/**
 * Replays a case's intact chain through the case machine and compares the stored row with
 * what it leads to; the policy version the opening names must still hash to what it
 * recorded, and be the one its ledger started from. Never throws on a stored value.
 */
export function caseTrailProblem(
  caseId: string,
  row: CaseRow | null,
  events: readonly CaseEventRow[],
  policy: (name: string, version: number) => Promise<PolicyBody | null>,
): Promise<CaseTrailProblem | CaseTrailRules> {
  const fail = (event: CaseEventRow | null, found: CaseDisagreement): CaseTrailProblem => ({
    problem: 'inconsistent',
    seq: event?.seq ?? 0,
    eventId: event?.id ?? null,
    ...found,
  });
  const replay = replayCaseChain(caseId, events, null);
  if (!replay.ok)
    return Promise.resolve(fail(replay.event, { field: 'chain', detail: replay.detail }));
  const { chained } = replay;
  const ref = chained.context.policy;
  return policy(ref.name, ref.version).then((body) => {
    if (!body || policyHash(body) !== ref.hash) {
      const detail = `policy ${ref.name} v${ref.version} is missing or does not match its hash`;
      return fail(events[0]!, { field: 'policy', detail });
    }
    const opened = openedUnder(chained, body);
    if (opened) return fail(events[0]!, opened);
    const disagreement = row ? rowDisagreement(row, chained) : null;
    if (disagreement) return fail(null, disagreement);
    return { versionBounded: chained.rule === 1 };
  });
}
