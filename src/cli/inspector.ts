import { createInspector } from '@statelyai/inspect';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import type { InspectionEvent } from 'xstate';
import WebSocket from 'ws';

/** An open connection to a Stately inspector. */
export interface LaneInspector {
  /** The XState inspection callback to give lane actors. */
  inspect: (event: InspectionEvent) => void;
  /** Sends what is queued, then disconnects (and stops the local bridge, if it started one). */
  close(): Promise<void>;
}

const DEFAULT_PORT = 8788;

/**
 * Connects to a Stately inspector over WebSocket: `url` (`ws://…`), or with `true` a local
 * bridge started here on port 8788, whose page (http://localhost:8788) shows the inspector.
 * Events are queued until the socket opens, so nothing from the first transitions is lost.
 */
export async function openInspector(target: string | true): Promise<LaneInspector> {
  const bridge =
    target === true ? createInspectorServer({ port: DEFAULT_PORT, autoOpen: false }) : null;
  const url = target === true ? `ws://localhost:${DEFAULT_PORT}` : target;
  if (bridge) process.stderr.write(`Stately inspector: open http://localhost:${DEFAULT_PORT}\n`);
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
      for (const m of queue.splice(0)) socket.send(m);
      await new Promise<void>((resolve) => {
        if (socket.readyState !== WebSocket.OPEN) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      });
      bridge?.stop();
    },
  };
}
