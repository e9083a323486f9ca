// The 60-second tour (`npm run demo`, `countersign demo`): a host service proposing tool
// calls through countersign. With no DATABASE_URL it runs on an embedded PostgreSQL (PGlite)
// in memory, so it needs no server.
import { createGovernance } from '../src/index.js';
import type { LaneResult, ProposeResult } from '../src/index.js';
import { caseDemo } from './caseDemo.js';
import { dropDatabase, issueVoucher, ledger, lookupOrder, refundOrder, searchKb } from './tools.js';

const agent = 'agent:support-bot';
const researcher = 'agent:researcher';
const conversationId = `demo-${Date.now()}`;
const scopes = ['payments:write'];

function show(label: string, result: ProposeResult | LaneResult) {
  const text = result.ok
    ? 'proposal' in result
      ? `proposed ${result.proposal.id.slice(0, 8)}${result.duplicate ? ' (duplicate: nothing written)' : ''}`
      : `lane ${result.approval.id.slice(0, 8)} is ${result.approval.status}`
    : 'outcome' in result
      ? `blocked: ${result.outcome} (${result.reason})`
      : `refused: ${result.error}${result.reason ? ` (${result.reason})` : ''}`;
  console.log(`${label.padEnd(44)} ${text}`);
}

async function waitForStatus(
  gov: Awaited<ReturnType<typeof createGovernance>>,
  proposalId: string,
  status: string,
) {
  for (let i = 0; i < 100; i += 1) {
    const lane = await gov.getLatestApproval(proposalId);
    if (lane?.status === status) return lane;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`lane of ${proposalId} never reached ${status}`);
}

/** Runs the tour, printing each step; closes everything it opened. */
export async function runDemo(): Promise<void> {
  const gov = await createGovernance({
    tools: [refundOrder, lookupOrder, dropDatabase, searchKb, issueVoucher],
    embeddedDataDir: 'memory://',
    // The directory: the intern holds no scopes; sam is also a supervisor (escalations).
    resolveActor: (id) => ({
      scopes: id === 'agent:intern' ? [] : scopes,
      roles: id.startsWith('human:')
        ? ['approver', ...(id === 'human:sam' ? ['supervisor'] : [])]
        : [],
    }),
    approverRoles: { high: 'approver', critical: 'approver' },
    // Deadlines land on the reconcile sweep, so the case's timeouts show within a second.
    scheduler: { processEveryMs: 200, reconcileEveryMs: 200 },
  });
  console.log(
    `countersign demo on ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'an embedded database'}\n`,
  );
  try {
    await gov.startWorkers();

    show('unknown tool', await gov.propose('send_bitcoin', agent, { input: {}, conversationId }));
    show(
      'an agent without payments:write',
      await gov.propose('refund_order', 'agent:intern', {
        input: { orderId: 'A-1', cents: 500 },
        conversationId,
      }),
    );
    show(
      'policy says no',
      await gov.propose('refund_order', agent, {
        input: { orderId: 'A-1', cents: 90_000 },
        scopes,
        conversationId,
      }),
    );
    show(
      'bad input',
      await gov.propose('refund_order', agent, {
        input: { orderId: 'A-1', cents: -5 },
        scopes,
        conversationId,
      }),
    );

    const refund = await gov.propose('refund_order', agent, {
      input: { orderId: 'A-1', cents: 500 },
      scopes,
      conversationId,
    });
    show('refund $5 on A-1', refund);
    show(
      'same call again',
      await gov.propose('refund_order', agent, {
        input: { orderId: 'A-1', cents: 500 },
        scopes,
        conversationId,
      }),
    );
    if (!refund.ok) throw new Error('the refund should have been proposed');

    const lane = await gov.requestApproval(refund.proposal.id);
    show('request approval', lane);
    if (!lane.ok) throw new Error('the lane should have opened');
    show('the agent approves its own refund', await gov.approve(lane.approval.id, agent));
    show(
      'a colleague without the role approves',
      await gov.approve(lane.approval.id, 'bot:helper'),
    );
    show(
      'a human approver approves',
      await gov.approve(lane.approval.id, 'human:dana', { note: 'customer called' }),
    );
    const executed = await waitForStatus(gov, refund.proposal.id, 'executed');
    console.log(
      `${'the execution worker ran it'.padEnd(44)} result ${JSON.stringify(executed.result)}`,
    );

    const second = await gov.propose('refund_order', agent, {
      input: { orderId: 'B-7', cents: 1200 },
      scopes,
      conversationId,
    });
    if (second.ok) {
      const secondLane = await gov.requestApproval(second.proposal.id);
      if (secondLane.ok)
        show(
          'a human rejects a refund on B-7',
          await gov.reject(secondLane.approval.id, 'human:dana', { reason: 'already refunded' }),
        );
    }

    const lookup = await gov.propose('lookup_order', agent, {
      input: { orderId: 'A-1' },
      conversationId,
    });
    if (lookup.ok) {
      show('auto tool: execute the lookup', await gov.executeProposal(lookup.proposal.id));
      await waitForStatus(gov, lookup.proposal.id, 'executed');
    }
    const drop = await gov.propose('drop_database', agent, {
      input: { name: 'prod' },
      conversationId,
    });
    show('always-blocked tool', drop);
    if (drop.ok) show('…and no lane opens for it', await gov.requestApproval(drop.proposal.id));

    console.log('\nWhat the tools did:');
    for (const line of ledger) console.log(`  ${line}`);
    console.log('\nThe conversation, newest first:');
    for (const p of await gov.listProposalsForConversation(conversationId)) {
      const trail = await gov.verifyAuditTrail(p.id);
      const events = p.events.map((e) => e.type).join(' → ');
      console.log(
        `  ${p.toolName.padEnd(14)} ${p.status.padEnd(9)} chain ${trail.ok ? 'intact' : 'BROKEN'}: ${events}`,
      );
    }

    await caseDemo(gov, { agent, researcher, show });
  } finally {
    await gov.close();
  }
}
