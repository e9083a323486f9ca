import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createToken } from '../../src/index.js';
import { builtCli, countersign } from './support/builtCli.js';

const config = new URL('./fixtures/serve.config.mjs', import.meta.url).pathname;
// The README's steps: no DATABASE_URL, so serve and the CLI share the embedded directory.
const noUrl = { DATABASE_URL: undefined };

/** Whether nothing listens on the inspector bridge's port of loopback. */
const bridgePortFree = () =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(8788, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('serve and the CLI on one embedded data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-embedded-serve-'));
  const dataDir = join(dir, 'pgdata');
  // The fixture config's people: an agent who proposes, a reviewer with the approver role.
  const [agent, reviewer] = [createToken(), createToken()];
  const tokensFile = join(dir, 'tokens.json');
  const entries = [
    { actorId: 'agent-1', tokenHash: agent.tokenHash },
    { actorId: 'reviewer-1', roles: ['approver'], tokenHash: reviewer.tokenHash },
  ];
  writeFileSync(tokensFile, JSON.stringify({ tokens: entries }));
  const common = ['--data-dir', dataDir, '--tokens', tokensFile, '--config', config];
  const cli = (...args: string[]) => countersign([...args, ...common], noUrl);
  let serve: ChildProcess;
  let api = '';
  let inspectable = false;

  beforeAll(async () => {
    inspectable = await bridgePortFree();
    const args = [
      builtCli,
      'serve',
      '--port',
      '0',
      ...common,
      ...(inspectable ? ['--inspect'] : []),
    ];
    const env = { ...process.env };
    delete env.DATABASE_URL;
    serve = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<never>((_, reject) =>
      serve.once('exit', (code) => reject(new Error(`serve exited with ${code}`))),
    );
    const listening = (async () => {
      for await (const line of createInterface({ input: serve.stdout! })) {
        const address = /listening on (\S+)/.exec(line)?.[1];
        if (address) return address;
      }
      throw new Error('serve closed its output');
    })();
    api = await Promise.race([listening, exited]);
  });

  afterAll(async () => {
    if (serve?.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve.once('exit', resolve));
    }
  });

  const http = async (token: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as {
      approval: { id: string; status: string };
      proposal: { id: string };
    };
  };
  let laneId = '';

  it('lanes list, approve and show reach the database serve holds: one truth', async () => {
    const { proposal } = await http(agent.token, '/proposals', {
      tool: 'ship',
      input: { tag: 'a' },
    });
    laneId = (await http(agent.token, `/proposals/${proposal.id}/lanes`, {})).approval.id;

    const listed = await cli('lanes', 'list', '--json');
    expect(listed.stderr).toBe('');
    const ids = JSON.parse(listed.stdout).items.map(
      (i: { approval: { id: string } }) => i.approval.id,
    );
    expect(ids).toEqual([laneId]);

    const approved = await cli('lanes', 'approve', laneId, '--token', reviewer.token);
    expect(approved).toMatchObject({ code: 0, stderr: '' });
    let status = '';
    // A bound on the wait only (serve's workers poll the embedded database), never on speed.
    for (let i = 0; i < 300 && status !== 'executed'; i++) {
      status = (await http(reviewer.token, `/lanes/${laneId}`)).approval.status;
      if (status !== 'executed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('executed');

    const shown = await cli('lanes', 'show', laneId, '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      approval: { id: laneId, status: 'executed', decidedBy: 'reviewer-1' },
      verification: { ok: true },
    });
    expect(await cli('pending')).toMatchObject({ code: 0, stdout: 'no migrations pending\n' });
  });

  it('a second serve on the directory is refused at once, in one line naming the holder', async () => {
    const second = await cli('serve', '--port', '0');
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `database_in_use: the embedded database ${dataDir} is in use by pid ${serve.pid}; ` +
        'stop it or use --database-url\n',
    );
  });

  it("lanes show --inspect joins serve's inspector bridge instead of failing on its port", async (ctx) => {
    if (!inspectable) ctx.skip();
    const page = new WebSocket('ws://127.0.0.1:8788', { origin: 'http://127.0.0.1:8788' });
    const received: { type: string; snapshot?: { value: unknown } }[] = [];
    page.on('message', (m) => received.push(JSON.parse(String(m))));
    await new Promise((resolve, reject) => page.once('open', resolve).once('error', reject));
    const shown = await cli('lanes', 'show', laneId, '--inspect');
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('sending to the bridge already at ws://127.0.0.1:8788');
    await new Promise((resolve) => setTimeout(resolve, 300));
    page.close();
    const states = received
      .filter((m) => m.type === '@xstate.snapshot')
      .map((m) => m.snapshot?.value);
    expect(states.at(-1)).toBe('executed');
  });

  it('once serve stops, its lock is gone and the CLI opens the directory itself', async () => {
    serve.kill('SIGTERM');
    expect(await new Promise((resolve) => serve.once('exit', resolve))).toBe(0);
    expect(existsSync(join(dataDir, 'countersign.lock'))).toBe(false);
    const listed = await cli('lanes', 'list', '--status', 'executed', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items).toHaveLength(1);
    expect(existsSync(join(dataDir, 'countersign.lock'))).toBe(false);
  });
});
