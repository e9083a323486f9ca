import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  findEventsAfter,
  findStreamCursor,
  findStreamStart,
} from '../../persistence/auditStream.repository.js';
import type { StreamCursor } from '../../persistence/auditStream.repository.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { caseIdSchema, idSchema } from '../pipeline/idSchema.js';
import { toAuditEvent } from '../proposals/proposalView.js';
import type { Api } from './routeContext.js';

/** How `/events` follows the audit trail. */
export interface EventStreamOptions {
  /** Pause between reads when nothing new came. @default 250 */
  pollIntervalMs?: number | undefined;
  /** A comment line this often keeps proxies from closing an idle stream. @default 15000 */
  heartbeatMs?: number | undefined;
}

const query = z.strictObject({
  conversationId: idSchema.optional(),
  caseId: caseIdSchema.optional(),
  /** Without `Last-Event-ID`: `start` replays the whole (filtered) trail, `now` only new events. */
  from: z.enum(['start', 'now']).optional(),
});

const headers = z.object({
  'last-event-id': z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, 'an audit event position')
    .optional(),
});

/**
 * `GET /events`: audit events as server-sent events, `id` being each event's position in
 * the audit trail. A client that reconnects with `Last-Event-ID` resumes right after it:
 * nothing is missed and nothing repeats. Filtered streams start, by default, from the start.
 */
export function eventStreamRoutes(
  api: Api,
  rt: GovernanceRuntime,
  options: EventStreamOptions = {},
): void {
  const pollMs = options.pollIntervalMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<AbortController>();
  api.addHook('onClose', async () => {
    for (const c of open) c.abort();
  });

  api.get(
    '/events',
    {
      schema: {
        querystring: query,
        headers,
        tags: ['audit'],
        summary: 'Audit events as server-sent events, resumable with Last-Event-ID',
      },
    },
    async (request, reply) => {
      const filter = {
        conversationId: request.query.conversationId ?? null,
        caseId: request.query.caseId ?? null,
      };
      const lastId = request.headers['last-event-id'];
      let cursor: StreamCursor | null;
      if (lastId !== undefined) {
        cursor = await rt.withEm('events', (em) => findStreamCursor(em, lastId));
        if (!cursor) {
          return reply
            .code(400)
            .send({ error: 'invalid_request', message: `no audit event at position ${lastId}` });
        }
      } else {
        const from =
          request.query.from ?? (filter.conversationId || filter.caseId ? 'start' : 'now');
        cursor = from === 'start' ? null : await rt.withEm('events', findStreamStart);
      }
      const stop = new AbortController();
      open.add(stop);
      reply.raw.once('close', () => stop.abort());
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      out.write(`retry: 1000\n\n`);
      let quietSince = Date.now();
      try {
        while (!stop.signal.aborted) {
          const batch = await rt.withEm('events', (em) => findEventsAfter(em, cursor, filter, 500));
          for (const e of batch) {
            const data = {
              ...toAuditEvent(e.event),
              conversationId: e.conversationId,
              caseId: e.caseId,
            };
            out.write(`id: ${e.position}\nevent: audit\ndata: ${JSON.stringify(data)}\n\n`);
            cursor = e.cursor;
          }
          if (batch.length > 0) quietSince = Date.now();
          else if (Date.now() - quietSince >= heartbeatMs) {
            out.write(`: heartbeat\n\n`);
            quietSince = Date.now();
          }
          if (batch.length < 500)
            await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => {});
        }
      } catch (error) {
        request.log.error(error);
      } finally {
        open.delete(stop);
        out.end();
      }
    },
  );
}
