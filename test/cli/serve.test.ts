import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createToken } from '../../src/index.js';
import { createTestDatabase } from '../support/testDatabase.js';
import { builtCli, countersign } from './support/builtCli.js';
import type { JsonBody } from '../http/support/httpHarness.js';

const config = new URL('./fixtures/serve.config.mjs', import.meta.url).pathname;

/** A WebSocket server standing in for the Stately inspector: it keeps every message. */
async function fakeInspector() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const messages: JsonBody[] = [];
  wss.on('connection', (socket) =>
    socket.on('message', (m) => messages.push(JSON.parse(String(m)))),
  );
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, messages, close: () => new Promise((r) => wss.close(r)) };
}

/** The state values of the snapshots an inspector received, in order. */
const states = (messages: JsonBody[]) =>
  messages
    .filter((m) => m.type === '@xstate.snapshot')
    .map((m) => JSON.stringify(m.snapshot.value));

describe('countersign serve --inspect, lanes show --inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-serve-'));
  const agent = createToken();
  const reviewer = createToken();
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(
    tokensFile,
    JSON.stringify({
      tokens: [
        { tokenHash: agent.tokenHash, actorId: 'agent-1' },
        { tokenHash: reviewer.tokenHash, actorId: 'reviewer-1', roles: ['approver'] },
      ],
    }),
  );
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let inspector: Awaited<ReturnType<typeof fakeInspector>>;
  let server: ChildProcess;
  let base = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    inspector = await fakeInspector();
    server = spawn(
      process.execPath,
      [
        builtCli,
        'serve',
        '--port',
        '0',
        '--tokens',
        tokensFile,
        '--config',
        config,
        '--database-url',
        db.url,
        '--inspect',
        inspector.url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk) => {
        out += String(chunk);
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    await inspector?.close();
    await db?.drop();
  });

  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as JsonBody };
  };

  it('serves the lifecycle and sends every lane actor it runs to the inspector; replays a lane into it', async () => {
    const proposed = await call(agent.token, 'POST', '/proposals', {
      tool: 'ship',
      input: { tag: 'inspected' },
    });
    expect(proposed.status).toBe(201);
    const lane = await call(
      agent.token,
      'POST',
      `/proposals/${proposed.body.proposal.id}/lanes`,
      {},
    );
    const laneId = lane.body.approval.id as string;
    expect(
      (await call(reviewer.token, 'POST', `/lanes/${laneId}/events`, { type: 'APPROVE' })).status,
    ).toBe(200);
    let status = '';
    // A bound on the wait only (the embedded database under a full run is slow), never on speed.
    for (let i = 0; i < 400 && status !== 'executed'; i++) {
      status = (await call(reviewer.token, 'GET', `/lanes/${laneId}`)).body.approval.status;
      if (status !== 'executed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('executed');
    await new Promise((r) => setTimeout(r, 300));
    const served = states(inspector.messages);
    expect(served).toEqual(expect.arrayContaining(['"pending"', '"approved"', '"executed"']));
    expect(
      inspector.messages.some((m) => m.type === '@xstate.event' && m.event.type === 'APPROVE'),
    ).toBe(true);

    inspector.messages.length = 0;
    const shown = await countersign([
      'lanes',
      'show',
      laneId,
      '--database-url',
      db.url,
      '--inspect',
      inspector.url,
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('chain: intact');
    const replayed = states(inspector.messages);
    expect(replayed.at(-1)).toBe('"executed"');
    expect(replayed).toEqual(expect.arrayContaining(['"pending"', '"approved"']));

    server.kill('SIGTERM');
    const code = await new Promise((r) => server.once('exit', r));
    expect(code).toBe(0);
  });
});
