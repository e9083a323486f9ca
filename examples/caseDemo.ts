// The case part of `npm run demo`: an agent and its research sub-agent work one case under a
// versioned policy — an allowlist that narrows at '/research', effect budgets, and approval
// timeouts that escalate or default. Deadlines are the workers' reconcile sweep's to keep, so
// this script waits for them (bounded) instead of acting itself.
import { dueLaneStatuses } from '../machines/index.js';
import type { Approval, Governance, LaneResult, ProposeResult } from '../src/index.js';
import { ledger } from './tools.js';

type Show = (label: string, result: ProposeResult | LaneResult) => void;

const line = (label: string, text: string) => console.log(`${label.padEnd(44)} ${text}`);
const short = (id: string) => id.slice(0, 8);

/** Polls `read` until `done` holds; throws saying what never happened after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`waited ${timeoutMs / 1000} s for ${what}; are the workers running?`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function proposed(result: ProposeResult): string {
  if (!result.ok) throw new Error(`expected a proposal, got ${result.outcome} (${result.reason})`);
  return result.proposal.id;
}

function opened(result: LaneResult): Approval {
  if (!result.ok) throw new Error(`expected a lane, got ${result.error} (${result.reason ?? ''})`);
  return result.approval;
}

/** Waits for the proposal's lane to finish; throws unless it ended `executed`. */
async function executed(gov: Governance, proposalId: string): Promise<Approval> {
  const lane = (await waitFor(
    `the run of proposal ${short(proposalId)}`,
    () => gov.getLatestApproval(proposalId),
    // Done once no worker or sweep has a next step for it.
    (l) => l !== null && !dueLaneStatuses.includes(l.status),
  )) as Approval;
  if (lane.status === 'executed') return lane;
  throw new Error(`lane ${short(lane.id)} ended ${lane.status} (${lane.failure?.code ?? ''})`);
}

/** Runs the case scenario on `gov` (workers started, `human:sam` holding `supervisor`). */
export async function caseDemo(
  gov: Governance,
  { agent, researcher, show }: { agent: string; researcher: string; show: Show },
): Promise<void> {
  console.log('\nA case: the agent and its research sub-agent, under one policy');
  const ranBefore = ledger.length;
  const policy = `support-case-${Date.now().toString(36)}`;
  const v1 = await gov.definePolicy(
    policy,
    {
      allowlists: {
        '/': ['issue_voucher', 'refund_order', 'search_kb'],
        '/research': ['search_kb'],
      },
      budgets: { '/': { maxEffects: 5 }, '/research': { maxEffects: 2 } },
      timeouts: {
        caseMs: 10 * 60_000,
        approvalTtlSeconds: 1,
        onApprovalTimeout: 'escalate',
        escalation: {
          approverRole: 'supervisor',
          ttlSeconds: 10,
          maxDepth: 1,
          finalAction: 'reject',
        },
        defaultDecision: 'approve',
      },
    },
    { actorId: 'ops:lee' },
  );
  const v2 = await gov.requireApproval(
    policy,
    { tool: 'issue_voucher', onApprovalTimeout: 'default' },
    { actorId: 'ops:kim' },
  );
  line(
    `policy ${policy}`,
    `v${v1.version} by ops:lee; v${v2.version} (an approval point) by ops:kim`,
  );
  const created = await gov.createCase({ policy, actorId: agent });
  if (!created.ok) throw new Error(`createCase: ${created.error}`);
  const kase = created.case;
  const caseId = kase.id;
  line(
    'open a case',
    `case ${short(caseId)} is ${kase.status} under v${kase.policy.version} (${kase.policy.hash.slice(0, 12)}…)`,
  );

  const research = { caseId, casePath: '/research' };
  for (const query of ['refund rules', 'warranty terms']) {
    const id = proposed(
      await gov.propose('search_kb', researcher, { input: { query }, ...research }),
    );
    opened(await gov.executeProposal(id));
    await executed(gov, id);
    line(`/research: search "${query}"`, 'executed');
  }
  show(
    '/research: refund $12 on A-9',
    await gov.propose('refund_order', researcher, {
      input: { orderId: 'A-9', cents: 1200 },
      ...research,
    }),
  );
  show(
    '/research: a third search',
    await gov.propose('search_kb', researcher, { input: { query: 'chargebacks' }, ...research }),
  );

  // Nobody answers the refund: the policy escalates it once, to a supervisor.
  const refundId = proposed(
    await gov.propose('refund_order', agent, { input: { orderId: 'A-9', cents: 1200 }, caseId }),
  );
  const first = opened(await gov.requestApproval(refundId));
  line('/: refund $12 on A-9, request approval', `lane ${short(first.id)} is pending for 1 s`);
  const second = (await waitFor(
    'the escalation of the refund',
    () => gov.getActiveApproval(refundId),
    (lane) => lane !== null && lane.id !== first.id,
  )) as Approval;
  line('nobody decides in time', `escalated: lane ${short(second.id)} waits for a supervisor`);
  show('human:dana (no supervisor role) approves', await gov.approve(second.id, 'human:dana'));
  show('human:sam (supervisor) approves', await gov.approve(second.id, 'human:sam'));
  await executed(gov, refundId);
  line('the execution worker ran it', 'executed');

  // The voucher's approval point has its own action: silence means the policy's default.
  const voucherId = proposed(
    await gov.propose('issue_voucher', agent, { input: { orderId: 'A-9', cents: 500 }, caseId }),
  );
  show('/: a $5 voucher on A-9, request approval', await gov.requestApproval(voucherId));
  const defaulted = await executed(gov, voucherId);
  line('nobody decides in time', `${defaulted.decidedBy} approved it; executed`);

  const done = await gov.completeCase(caseId, { actorId: agent });
  line('the agent completes the case', done.ok ? `case is ${done.case.status}` : done.error);

  console.log('\nWhat the tools did in the case:');
  for (const ran of ledger.slice(ranBefore)) console.log(`  ${ran}`);
  console.log('\nThe case: receipts (listReceipts), ledger (checkBudget), trail (verifyCaseTrail)');
  for (const r of await gov.listReceipts(caseId)) {
    console.log(`  ${r.errorType.padEnd(20)} ${r.scope.padEnd(10)} ${r.detail}`);
  }
  for (const level of (await gov.checkBudget(caseId))?.levels ?? []) {
    const { maxEffects } = level.limit;
    console.log(
      `  budget ${level.path.padEnd(10)} ${level.used.effects} of ${maxEffects} effects used, ` +
        `${level.reserved.effects} held, ${level.used.timeMs} ms run time`,
    );
  }
  const trail = await gov.verifyCaseTrail(caseId);
  console.log(
    `  case trail ${trail.ok ? `intact: ${trail.events} events` : `BROKEN: ${trail.problem} at ${trail.seq}`}`,
  );
}
