import { z } from 'zod';
import { findLaneEvents } from '../../persistence/event.repository.js';
import { approvalLaneDefinition } from '../../machines/approvalLaneDefinition.js';
import { approvalQuerySchema, listApprovals, toApprovalSummary } from '../lanes/laneList.js';
import { decisionEventSchema, laneDecisionSchema } from '../lanes/laneEventSchema.js';
import { editingOf } from '../tools/toolSchema.js';
import { replayLane } from '../lanes/replayLane.js';
import { decideMany, MAX_BATCH } from '../lanes/decideMany.js';
import { sendLaneEvent } from '../lanes/sendLaneEvent.js';
import { toAuditEvent } from '../proposals/proposalView.js';
import { actorOf } from './authenticate.js';
import { sendLaneResult } from './httpErrors.js';
import type { Api, RouteContext } from './routeContext.js';
import { uuidParam } from './routeContext.js';

const laneParams = uuidParam('laneId');

/** Lanes: the inbox, one lane with its replay and timeline, decisions, the machine. */
export function laneRoutes(api: Api, { rt, acting }: RouteContext): void {
  api.get(
    '/lanes',
    {
      schema: {
        querystring: approvalQuerySchema,
        tags: ['lanes'],
        summary: "The approver's inbox: pending lanes (or any status), one page",
      },
    },
    async (request) => listApprovals(rt, request.query),
  );

  api.get(
    '/lanes/:laneId',
    {
      schema: {
        params: laneParams,
        tags: ['lanes'],
        summary: 'A lane, replayed, with its timeline and how its input may be edited',
      },
    },
    async (request, reply) => {
      const id = request.params.laneId;
      const [found, replay, events] = await Promise.all([
        rt.laneStore.read(id),
        replayLane(rt, id),
        rt.withEm('getLane', (em) => findLaneEvents(em, id)),
      ]);
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no such lane' });
      return {
        ...toApprovalSummary(found),
        editing: editingOf(rt.registry.byVersion(found.toolName, found.toolVersion)),
        replay,
        events: events.map(toAuditEvent),
      };
    },
  );

  api.post(
    '/lanes/:laneId/events',
    {
      schema: {
        params: laneParams,
        body: laneDecisionSchema,
        tags: ['lanes'],
        summary:
          "Decide: APPROVE (optionally an edited `input`), REJECT, DEFER or EXPIRE, as the token's actor",
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const event = { ...request.body, actorId: actor.actorId };
      return sendLaneResult(
        reply,
        await sendLaneEvent(acting(actor), request.params.laneId, event),
      );
    },
  );

  api.post(
    '/lanes/decisions',
    {
      schema: {
        body: z.strictObject({
          decisions: z
            .array(z.strictObject({ laneId: z.uuid(), event: decisionEventSchema }))
            .min(1)
            .max(MAX_BATCH),
        }),
        tags: ['lanes'],
        summary: "Decide many lanes as one, as the token's actor: all or nothing",
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const result = await decideMany(acting(actor), request.body.decisions, actor.actorId);
      if (result.ok) return result;
      const forbidden = result.refusals.every((r) => r.error === 'forbidden');
      return reply.code(forbidden ? 403 : 409).send({
        ...result,
        error: 'batch_refused',
        message: `${result.refusals.length} of the decisions were refused; nothing was written`,
      });
    },
  );

  api.get(
    '/machine',
    { schema: { tags: ['lanes'], summary: 'The lane machine as JSON' } },
    async () => approvalLaneDefinition(),
  );
}
