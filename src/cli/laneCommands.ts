import type { Command } from 'commander';
import { Option } from 'commander';
import type { Governance } from '../governanceApi.js';
import { parseRequest } from '../errors/invalidRequestError.js';
import { actingRuntime } from '../http/actingRuntime.js';
import { approvalQuerySchema } from '../lanes/laneList.js';
import type { LaneResult } from '../lanes/laneResult.js';
import { sendLaneEvent } from '../lanes/sendLaneEvent.js';
import { decideMany } from '../lanes/decideMany.js';
import { runtimeOf } from '../runtimeOf.js';
import { actorOfToken, CliExit, exitCodes, openGovernance } from './cliContext.js';
import type { GlobalOptions } from './cliContext.js';
import { openInspector } from './inspector.js';

/** Runs `fn` with a governance that is closed after it. */
async function withGovernance<T>(
  opts: GlobalOptions,
  fn: (gov: Governance) => Promise<T>,
): Promise<T> {
  const gov = await openGovernance(opts, { applyMigrations: false, enqueue: undefined });
  try {
    return await fn(gov);
  } finally {
    await gov.close();
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);
const json = (value: unknown) => print(JSON.stringify(value, null, 2));
const short = (id: string) => id.slice(0, 8);

function refusalExit(result: Extract<LaneResult, { ok: false }>): CliExit {
  const code =
    result.error === 'not_found'
      ? exitCodes.notFound
      : result.error === 'invalid_event'
        ? exitCodes.usage
        : exitCodes.refused;
  const why = result.detail ?? result.reason;
  return new CliExit(code, `refused: ${result.error}${why ? ` (${why})` : ''}`);
}

/** The edited input of `approve --input`: JSON, for one lane only. */
function parseInput(text: string, laneIds: readonly string[]): unknown {
  if (laneIds.length > 1)
    throw new CliExit(exitCodes.usage, '--input edits one lane; name only one lane id');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliExit(exitCodes.usage, '--input must be JSON');
  }
}

/** `lanes list|show|approve|reject|defer`. */
export function laneCommands(program: Command): void {
  const lanes = program.command('lanes').description('list, show and decide approval lanes');

  lanes
    .command('list')
    .description('list lanes (default: the pending ones, soonest deadline first)')
    .option('--status <status...>', 'lane statuses to list', ['pending'])
    .option('--tool <name>', 'only lanes of this tool')
    .option('--limit <n>', 'at most this many', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(
      async (
        o: { status: string[]; tool?: string; limit: string; cursor?: string },
        cmd: Command,
      ) => {
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        // Checked before any database is opened: a wrong value is a usage error (exit 2).
        const query = parseRequest(approvalQuerySchema, o, 'lane query');
        await withGovernance(opts, async (gov) => {
          const page = await gov.listApprovals(query);
          if (opts.json) return json(page);
          for (const { approval: a, proposal: p } of page.items) {
            print(
              [
                a.id,
                a.status.padEnd(17),
                p.toolName.padEnd(16),
                p.riskTier.padEnd(8),
                p.actorId.padEnd(16),
                a.expiresAt?.toISOString() ?? '-',
                ...(a.quorum ? [`${a.quorum.approvals} of ${a.quorum.count}`] : []),
              ].join('  '),
            );
          }
          if (page.items.length === 0) print('no lanes');
          if (page.nextCursor) print(`more: --cursor ${page.nextCursor}`);
        });
      },
    );

  lanes
    .command('show')
    .description("a lane's state, timeline and chain verification")
    .argument('<laneId>', 'the lane id')
    .addOption(
      new Option('--inspect [url]', 'replay the lane into the Stately inspector').preset(true),
    )
    .action(async (laneId: string, o: { inspect?: string | true }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await withGovernance(opts, async (gov) => {
        const replayInspector = o.inspect ? await openInspector(o.inspect) : null;
        const replay = await gov.replayLane(
          laneId,
          replayInspector ? { inspect: replayInspector.inspect } : {},
        );
        await replayInspector?.close();
        const approval = replay.ok ? await gov.getApproval(laneId) : null;
        if (!approval) throw new CliExit(exitCodes.notFound, `no lane ${laneId}`);
        const [events, verification] = await Promise.all([
          gov.listEvents(approval.proposalId),
          gov.verifyAuditTrail(approval.proposalId),
        ]);
        const timeline = events.filter((e) => e.approvalId === laneId || e.approvalId === null);
        if (opts.json) return json({ approval, replay, timeline, verification });
        print(
          `lane ${approval.id}: ${approval.status}${approval.decidedBy ? ` (by ${approval.decidedBy})` : ''}`,
        );
        const consistent = replay.ok && replay.consistent;
        print(
          `proposal ${approval.proposalId}; replay ${consistent ? 'matches' : 'DIFFERS FROM'} the stored state`,
        );
        // A time edited out of range (BC, infinity) reads back as no time: shown, not thrown.
        const when = (t: Date) =>
          Number.isNaN(t.getTime()) ? 'not a time (edited)'.padEnd(24) : t.toISOString();
        for (const e of timeline)
          print(`  ${when(e.createdAt)}  ${e.type.padEnd(20)} ${e.actorId}`);
        print(
          `chain: ${verification.ok ? 'intact' : `BROKEN (${verification.problem}: ${verification.detail})`}`,
        );
        if (!verification.ok)
          throw new CliExit(exitCodes.failed, 'the audit trail does not verify');
      });
    });

  for (const [name, type, field] of [
    ['approve', 'APPROVE', 'note'],
    ['reject', 'REJECT', 'reason'],
    ['defer', 'DEFER', 'reason'],
  ] as const) {
    const command = lanes
      .command(name)
      .description(`${name} pending lanes as the actor of a token; several lanes: all or none`)
      .argument('<laneIds...>', 'the lane ids')
      .option('--token <token>', 'whose decision it is (else COUNTERSIGN_TOKEN)');
    if (field === 'note') {
      command.option('--note <text>', 'a note kept with the approval');
      command.option('--input <json>', 'approve this edited input instead (one lane; JSON)');
      command.option(
        '--input-hash <hash>',
        'the input hash you saw (lanes show): refused if changed',
      );
    } else command.requiredOption('--reason <text>', `why (required to ${name})`);
    command.action(
      async (
        laneIds: string[],
        o: { token?: string; note?: string; reason?: string; input?: string; inputHash?: string },
        cmd: Command,
      ) => {
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        const edited = o.input === undefined ? {} : { input: parseInput(o.input, laneIds) };
        const actor = await actorOfToken(opts, o.token);
        await withGovernance(opts, async (gov) => {
          const text = o[field];
          const decision = {
            type,
            ...(text === undefined ? {} : { [field]: text }),
            ...(o.inputHash === undefined ? {} : { inputHash: o.inputHash }),
          };
          const rt = actingRuntime(runtimeOf(gov), actor);
          if (laneIds.length > 1) {
            const events = laneIds.map((laneId) => ({ laneId, event: decision }));
            const batch = await decideMany(rt, events, actor.actorId);
            if (opts.json) print(JSON.stringify(batch, null, 2));
            if (!batch.ok) {
              for (const r of batch.refusals)
                process.stderr.write(
                  `${r.laneId}: ${r.error}${r.reason ? ` (${r.reason})` : ''}\n`,
                );
              throw new CliExit(
                exitCodes.refused,
                `refused: ${batch.refusals.length} of ${laneIds.length}; nothing was written`,
              );
            }
            if (!opts.json)
              print(
                `${laneIds.length} lanes ${batch.approvals[0]!.status} together (by ${actor.actorId})`,
              );
            return;
          }
          const laneId = laneIds[0]!;
          const event = { ...decision, ...edited, actorId: actor.actorId };
          const result = await sendLaneEvent(rt, laneId, event);
          if (!result.ok) throw refusalExit(result);
          if (opts.json) return json(result);
          print(`lane ${short(laneId)} is ${result.approval.status} (by ${actor.actorId})`);
        });
      },
    );
  }
}
