import { get } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createActor, createMachine } from 'xstate';
import { openInspector } from '../../src/cli/inspector.js';
import type { LaneInspector } from '../../src/cli/inspector.js';

/** A port nothing listens on just now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** How a WebSocket handshake with `origin` ends: 'open', or the HTTP status that refused it. */
const handshake = (url: string, origin: string) =>
  new Promise<string | number>((resolve) => {
    const socket = new WebSocket(url, { origin });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => {});
  });

describe("the inspector's local bridge", () => {
  let port = 0;
  let bridge: LaneInspector;
  beforeAll(async () => {
    port = await freePort();
    bridge = await openInspector(true, { port });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  it('listens on loopback only', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    const outcome = (host: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, host, () => {
          socket.end();
          resolve('connected');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
    expect(await outcome('127.0.0.1')).toBe('connected');
    if (external) expect(await outcome(external)).toBe('ECONNREFUSED');
  });

  it('serves its page to loopback names only, and WebSockets only from that page or a program', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('https://stately.ai/inspect');
    // A name of another site resolved to 127.0.0.1 (fetch cannot set Host, node:http can).
    const rebound = await new Promise<number>((resolve, reject) =>
      get({ host: '127.0.0.1', port, headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).once('error', reject),
    );
    expect(rebound).toBe(403);
    const url = `ws://127.0.0.1:${port}`;
    expect(await handshake(url, `http://127.0.0.1:${port}`)).toBe('open');
    expect(await handshake(url, 'https://evil.example')).toBe(401);
  });

  it('a second opener on the same port joins the bridge, and its events reach the page', async () => {
    const page = new WebSocket(`ws://127.0.0.1:${port}`, { origin: `http://127.0.0.1:${port}` });
    const types: string[] = [];
    page.on('message', (m) => types.push((JSON.parse(String(m)) as { type: string }).type));
    await new Promise((resolve, reject) => page.once('open', resolve).once('error', reject));
    const joined = await openInspector(true, { port });
    const machine = createMachine({ id: 'toggle', initial: 'off', states: { off: {} } });
    createActor(machine, { inspect: joined.inspect }).start().stop();
    await joined.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    page.close();
    expect(types).toContain('@xstate.actor');
    expect(types).toContain('@xstate.snapshot');
  });
});
