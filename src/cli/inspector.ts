import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector } from '@statelyai/inspect';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import WebSocket, { WebSocketServer } from 'ws';

/** An open connection to a Stately inspector. */
export interface LaneInspector {
  /** The XState inspection callback to give lane actors. */
  inspect: (event: InspectionEvent) => void;
  /** Sends what is queued, then disconnects (and stops the local bridge, if it started one). */
  close(): Promise<void>;
}

/** Where the local bridge listens. */
export interface BridgeOptions {
  /** Address the bridge listens on. @default '127.0.0.1' */
  host?: string | undefined;
  /** Its port (0: any free one). @default 8788 */
  port?: number | undefined;
}

const DEFAULT_PORT = 8788;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
// The page the bridge serves forwards events to Stately's inspector, which it loads from the
// network; it reaches the bridge at the address the browser used for the page.
const INSPECTOR_PAGE = 'https://stately.ai/inspect';
const bridgePage = `<!DOCTYPE html>
<html><head><title>Stately Inspector</title>
<style>*{margin:0;padding:0}html,body{height:100%}iframe{width:100%;height:100%;border:none}</style>
</head><body><iframe id="inspector" src="${INSPECTOR_PAGE}"></iframe><script>
const iframe = document.getElementById('inspector');
const buffer = [];
let connected = false;
window.addEventListener('message', (e) => {
  if (e.data && e.data.type === '@statelyai.connected') {
    connected = true;
    for (const event of buffer.splice(0)) iframe.contentWindow.postMessage(event, '*');
  }
});
new WebSocket('ws://' + location.host).onmessage = (event) => {
  const data = JSON.parse(event.data);
  if (connected) iframe.contentWindow.postMessage(data, '*');
  else buffer.push(data);
};
</script></body></html>`;

/** The host part of a `Host` header (`127.0.0.1:8788` → `127.0.0.1`, `[::1]:8788` → `[::1]`). */
const hostName = (header: string | undefined) => (header ?? '').replace(/:\d+$/, '');

/**
 * Whether a request may use the bridge. On loopback, only by a loopback name (a page of another
 * site rebinding its name to 127.0.0.1 is refused); a WebSocket from a browser only from the
 * bridge's own page (any site may open a WebSocket to localhost, and would read every lane).
 */
function allowed(req: IncomingMessage, loopback: boolean): boolean {
  if (loopback && !LOOPBACK.has(hostName(req.headers.host))) return false;
  const origin = req.headers.origin;
  if (origin === undefined || req.headers.upgrade === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Starts the bridge: an HTTP page showing the inspector and a WebSocket relay that passes what
 * senders (this process, `lanes show --inspect`) send to the pages, the last 200 messages
 * included for a page that opens later. Resolves null when the port is taken: another
 * countersign's bridge, which the caller joins.
 */
function startBridge(host: string, port: number): Promise<{ port: number; stop(): void } | null> {
  const loopback = LOOPBACK.has(host);
  const http = createServer((req, res) => {
    if (!allowed(req, loopback)) return void res.writeHead(403).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(bridgePage);
  });
  const wss = new WebSocketServer({
    server: http,
    verifyClient: ({ req }: { req: IncomingMessage }) => allowed(req, loopback),
  });
  const recent: string[] = [];
  // The server's own errors (a taken port) are handled below; a client's bad frame drops it.
  wss.on('error', () => {});
  wss.on('connection', (socket) => {
    socket.on('error', () => socket.terminate());
    for (const message of recent) socket.send(message);
    socket.on('message', (data) => {
      const message = String(data);
      recent.push(message);
      if (recent.length > 200) recent.shift();
      for (const client of wss.clients) {
        if (client !== socket && client.readyState === WebSocket.OPEN) client.send(message);
      }
    });
  });
  return new Promise((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => {
      wss.close();
      if (error.code === 'EADDRINUSE') resolve(null);
      else reject(error);
    });
    http.listen(port, host, () =>
      resolve({
        port: (http.address() as AddressInfo).port,
        stop() {
          for (const client of wss.clients) client.terminate();
          wss.close();
          http.close();
        },
      }),
    );
  });
}

/** The address to reach a bridge listening on `host` from this machine. */
function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Connects to a Stately inspector over WebSocket: `url` (`ws://…`), or with `true` a local
 * bridge on port 8788 of loopback (or `host`), whose page shows the inspector. When that port
 * is taken (`serve --inspect` runs), the events join the bridge there. Events are queued until
 * the socket opens, so nothing from the first transitions is lost.
 */
export async function openInspector(
  target: string | true,
  options: BridgeOptions = {},
): Promise<LaneInspector> {
  const host = options.host ?? '127.0.0.1';
  const bridge = target === true ? await startBridge(host, options.port ?? DEFAULT_PORT) : null;
  const port = bridge?.port ?? options.port ?? DEFAULT_PORT;
  const url = target === true ? `ws://${reachable(host)}:${port}` : target;
  if (bridge) {
    const exposed = LOOPBACK.has(host)
      ? ''
      : ' (unauthenticated: anyone who reaches it sees every lane)';
    process.stderr.write(
      `Stately inspector: open http://${reachable(host)}:${port}${exposed}; the page loads ${INSPECTOR_PAGE}\n`,
    );
  } else if (target === true) {
    process.stderr.write(`Stately inspector: sending to the bridge already at ${url}\n`);
  }
  const socket = new WebSocket(url);
  const queue: string[] = [];
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  opened
    .then(() => {
      for (const m of queue.splice(0)) socket.send(m);
    })
    .catch((error: Error) =>
      process.stderr.write(`inspector unreachable at ${url}: ${error.message}\n`),
    );
  const inspector = createInspector({
    start() {},
    stop() {},
    send(event: StatelyInspectionEvent) {
      const message = JSON.stringify(event);
      if (socket.readyState === WebSocket.OPEN) socket.send(message);
      else queue.push(message);
    },
  });
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    async close() {
      // The inspector converts each event in a zero-delay timer; one more runs after them all.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await opened.catch(() => {});
      if (socket.readyState === WebSocket.OPEN) for (const m of queue.splice(0)) socket.send(m);
      await new Promise<void>((resolve) => {
        if (socket.readyState !== WebSocket.OPEN) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      });
      bridge?.stop();
    },
  };
}
