import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createToken } from '../../src/index.js';
import { fixtureTools, openRefundLane, useHarness } from '../proposals/fixtures.js';
import { createTestDatabase } from '../support/testDatabase.js';
import { countersign } from './support/builtCli.js';

const people = {
  agent: { actorId: 'agent-a', roles: [] as string[] },
  reviewer: { actorId: 'reviewer-1', roles: ['approver'] },
};

describe('the built CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-cli-'));
  const tokens: Record<keyof typeof people, string> = { agent: '', reviewer: '' };
  const entries = Object.entries(people).map(([name, p]) => {
    const { token, tokenHash } = createToken();
    tokens[name as keyof typeof people] = token;
    return { tokenHash, actorId: p.actorId, scopes: ['payments:write'], roles: p.roles };
  });
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ tokens: entries }));
  const h = useHarness(fixtureTools, {
    enqueue: () => {},
    approverRoles: { high: 'approver' },
    resolveActor: (id) => {
      const p = Object.values(people).find((x) => x.actorId === id);
      return p ? { scopes: ['payments:write'], roles: p.roles } : null;
    },
  });
  const db = () => ['--database-url', h.url];

  const pendingLane = (orderId: string) => openRefundLane(h.gov, orderId);

  it('--help on the program and on every command, exit 0; an unknown command exits 2', async () => {
    const top = await countersign(['--help']);
    expect(top.code).toBe(0);
    for (const name of ['migrate', 'serve', 'workers', 'demo', 'lanes', 'machine', 'audit']) {
      expect(top.stdout).toContain(name);
    }
    for (const command of [
      ['lanes', 'approve'],
      ['serve'],
      ['machine', 'export'],
      ['audit', 'verify'],
    ]) {
      const help = await countersign([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage: countersign');
    }
    const wrong = await countersign(['launch-missiles']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("unknown command 'launch-missiles'");
  });

  it('exit codes: an unknown proposal is 3, a lane status that does not exist is 2', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const unknown = await countersign(['audit', 'verify', id, ...db()]);
      expect(unknown.code, id).toBe(3);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, problem: 'not_found' });
    }
    const bogus = await countersign(['lanes', 'list', '--status', 'bogus', ...db()]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('invalid lane query');
    const noDatabase = ['--database-url', 'postgres://postgres@127.0.0.1:1/none'];
    expect((await countersign(['lanes', 'list', '--limit', '0', ...noDatabase])).code).toBe(2);
  });

  it("every command's help lists the global options too: serve --help shows --tokens", async () => {
    for (const command of [['serve'], ['lanes', 'approve']]) {
      const help = await countersign([...command, '--help']);
      expect(help.stdout, command.join(' ')).toMatch(/Global Options:[\s\S]*--tokens <file>/);
    }
  });

  it('migrate applies every migration once, quietly when piped; --json for scripts', async () => {
    const fresh = await createTestDatabase();
    try {
      const first = await countersign(['migrate', '--database-url', fresh.url]);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^applied Migration\d+_proposals$/m);
      expect(first.stderr).toBe('');
      const again = await countersign(['--json', 'migrate', '--database-url', fresh.url]);
      expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
    } finally {
      await fresh.drop();
    }
  });

  it('lanes approve --input: JSON for one lane; a CLI without the tool cannot judge the edit', async () => {
    const { laneId } = await pendingLane('o-cli-edit');
    const as = ['--token', tokens.reviewer, '--tokens', tokensFile, ...db()];
    const notJson = await countersign(['lanes', 'approve', laneId, '--input', '{cents', ...as]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--input must be JSON');
    const two = await countersign(['lanes', 'approve', laneId, laneId, '--input', '{}', ...as]);
    expect(two.code).toBe(2);
    const edit = JSON.stringify({ orderId: 'o-cli-edit', cents: 50 });
    const unjudged = await countersign(['lanes', 'approve', laneId, '--input', edit, ...as]);
    expect(unjudged.code).toBe(4);
    expect(unjudged.stderr).toContain('edit_refused');
    expect((await h.gov.getApproval(laneId))?.status).toBe('pending');
  });

  it("lanes list --json, lanes approve as the token's actor, refusals with their exit codes", async () => {
    const { laneId } = await pendingLane('o-cli-1');
    const listed = await countersign(['lanes', 'list', '--json', ...db()]);
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout);
    expect(page.items.map((i: { approval: { id: string } }) => i.approval.id)).toContain(laneId);

    const auth = ['--tokens', tokensFile];
    const own = await countersign([
      'lanes',
      'approve',
      laneId,
      '--token',
      tokens.agent,
      ...auth,
      ...db(),
    ]);
    expect(own.code).toBe(4);
    expect(own.stderr).toContain('forbidden (four_eyes)');
    const forged = await countersign([
      'lanes',
      'approve',
      laneId,
      '--token',
      'cs_forged',
      ...auth,
      ...db(),
    ]);
    expect(forged.code).toBe(4);
    expect((await h.gov.getApproval(laneId))?.status).toBe('pending');

    const ok = await countersign(['lanes', 'approve', laneId, '--note', 'fine'], {
      COUNTERSIGN_TOKEN: tokens.reviewer,
      COUNTERSIGN_TOKENS: tokensFile,
      DATABASE_URL: h.url,
    });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('is approved (by reviewer-1)');
    expect(await h.gov.getApproval(laneId)).toMatchObject({
      status: 'approved',
      decidedBy: 'reviewer-1',
      note: 'fine',
    });

    const twice = await countersign([
      'lanes',
      'reject',
      laneId,
      '--reason',
      'late',
      '--token',
      tokens.reviewer,
      ...auth,
      ...db(),
    ]);
    expect(twice.code).toBe(4);
    expect(twice.stderr).toContain('not_pending');
    const missingReason = await countersign([
      'lanes',
      'reject',
      laneId,
      '--token',
      tokens.reviewer,
      ...auth,
      ...db(),
    ]);
    expect(missingReason.code).toBe(2);
    const unknown = await countersign([
      'lanes',
      'approve',
      '00000000-0000-4000-8000-000000000000',
      '--token',
      tokens.reviewer,
      ...auth,
      ...db(),
    ]);
    expect(unknown.code).toBe(3);
  });

  it('lanes reject with several ids decides them together, or none', async () => {
    const a = await pendingLane('o-cli-many-1');
    const b = await pendingLane('o-cli-many-2');
    const auth = ['--tokens', tokensFile, '--token', tokens.reviewer, ...db()];
    await h.gov.reject(b.laneId, 'reviewer-1', { reason: 'already' });
    const refused = await countersign([
      'lanes',
      'reject',
      a.laneId,
      b.laneId,
      '--reason',
      'dupes',
      ...auth,
    ]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`${b.laneId}: not_pending`);
    expect((await h.gov.getApproval(a.laneId))?.status).toBe('pending');
    const c = await pendingLane('o-cli-many-3');
    const ok = await countersign([
      'lanes',
      'reject',
      a.laneId,
      c.laneId,
      '--reason',
      'dupes',
      ...auth,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('2 lanes rejected together');
  });

  it('lanes show: state, timeline and chain verification', async () => {
    const { laneId, proposalId } = await pendingLane('o-cli-show');
    const shown = await countersign(['lanes', 'show', laneId, '--json', ...db()]);
    expect(shown.code).toBe(0);
    const body = JSON.parse(shown.stdout);
    expect(body.approval).toMatchObject({ id: laneId, proposalId, status: 'pending' });
    expect(body.timeline.map((e: { type: string }) => e.type)).toEqual([
      'proposal_created',
      'approval_requested',
    ]);
    expect(body.verification.ok).toBe(true);
    const text = await countersign(['lanes', 'show', laneId, ...db()]);
    expect(text.stdout).toContain('chain: intact');
  });

  it('machine export --format mermaid|json|scxml-like', async () => {
    const mermaid = await countersign(['machine', 'export', '--format', 'mermaid']);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout.split('\n')[0]).toBe('stateDiagram-v2');
    expect(mermaid.stdout).toContain('pending --> approved : APPROVE');
    expect(mermaid.stdout).toContain('execution_pending --> executed : EXECUTION_SUCCEEDED');
    const json = JSON.parse((await countersign(['machine', 'export'])).stdout);
    expect(json.states.pending.on.APPROVE).toBeDefined();
    const scxml = await countersign(['machine', 'export', '--format', 'scxml-like']);
    expect(scxml.stdout).toContain('<transition event="REJECT" target="rejected"/>');
    expect((await countersign(['machine', 'export', '--format', 'png'])).code).toBe(2);
  });

  it('audit verify <proposalId>: 0 on an intact trail, 1 once a stored input is edited', async () => {
    const { proposalId } = await pendingLane('o-cli-audit');
    const intact = await countersign(['audit', 'verify', proposalId, ...db()]);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ proposalId, ok: true });
    await h.sql.query(
      `update tool_action_events set payload = jsonb_set(payload, '{note}', '"edited"') where proposal_id = ? and seq = 1`,
      [proposalId],
    );
    const tampered = await countersign(['audit', 'verify', proposalId, ...db()]);
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({
      proposalId,
      ok: false,
      problem: 'edited',
    });
  });
});
