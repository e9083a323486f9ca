import { z } from 'zod';
import { getLatestApproval } from '../lanes/laneReads.js';
import { executeProposal, requestApproval } from '../lanes/requestApproval.js';
import { idSchema } from '../pipeline/idSchema.js';
import {
  identifyCaller,
  parseProposalRequest,
  proposalContextSchema,
  toolRefSchema,
} from '../pipeline/proposalRequest.js';
import { propose } from '../proposals/propose.js';
import { actorOf } from './authenticate.js';
import { sendLaneResult, sendRefusal } from './httpErrors.js';
import type { Api, RouteContext } from './routeContext.js';
import { uuidParam } from './routeContext.js';

const proposalBody = proposalContextSchema.extend({ tool: toolRefSchema });
const proposalParams = uuidParam('proposalId');
const laneRequestBody = z
  .strictObject({ ttlSeconds: z.number().int().positive().max(31_536_000).optional() })
  .default({});

/** Proposals: propose, read, verify, open a lane, execute an auto call, a conversation's list. */
export function proposalRoutes(api: Api, { governance, rt, acting }: RouteContext): void {
  api.post(
    '/proposals',
    { schema: { body: proposalBody, tags: ['proposals'], summary: 'Propose a tool call' } },
    async (request, reply) => {
      const actor = actorOf(request);
      const { tool, ...context } = request.body;
      // The facade's pipeline judges every gate, scopes included: the same outcome, in the
      // same precedence, stored the same way as in-process.
      const as = acting(actor);
      const result = await propose(
        as,
        await identifyCaller(as, parseProposalRequest(tool, actor.actorId, context)),
      );
      if (result.ok) return reply.code(result.duplicate ? 200 : 201).send(result);
      if (result.outcome === 'unsupported') {
        const name = typeof tool === 'string' ? tool : `${tool.name}@${tool.version ?? 'latest'}`;
        return reply.code(404).send({
          error: 'unknown_tool',
          message: `no tool ${JSON.stringify(name)} is registered`,
        });
      }
      return sendRefusal(reply, 422, { ...result, error: result.outcome });
    },
  );

  api.get(
    '/proposals/:proposalId',
    {
      schema: {
        params: proposalParams,
        tags: ['proposals'],
        summary: 'A proposal, its events and latest lane',
      },
    },
    async (request, reply) => {
      const id = request.params.proposalId;
      const [proposal, events, lane] = await Promise.all([
        governance.getProposal(id),
        governance.listEvents(id),
        getLatestApproval(rt, id),
      ]);
      if (!proposal)
        return reply.code(404).send({ error: 'not_found', message: 'no such proposal' });
      return { proposal, events, lane };
    },
  );

  api.get(
    '/proposals/:proposalId/verification',
    {
      schema: {
        params: proposalParams,
        tags: ['audit'],
        summary: "Verify a proposal's audit trail",
      },
    },
    async (request, reply) => {
      const verified = await governance.verifyAuditTrail(request.params.proposalId);
      // An unknown proposal is a 404 like every unknown id, not a trail that failed its check.
      if (!verified.ok && verified.problem === 'not_found') {
        return reply.code(404).send({ error: 'not_found', message: 'no such proposal' });
      }
      return verified;
    },
  );

  api.get(
    '/proposals/:proposalId/outcome',
    {
      schema: {
        params: proposalParams,
        querystring: z.strictObject({
          wait: z
            .string()
            .regex(/^\d{1,5}(ms|s)?$/, 'a duration such as 30s or 500ms')
            .optional(),
        }),
        tags: ['proposals'],
        summary:
          'What the call came to; ?wait=30s holds the request until it settles (at most 60 s)',
      },
    },
    async (request, reply) => {
      const wait = request.query.wait ?? '0s';
      const n = Number(/^\d+/.exec(wait)![0]);
      const ms = Math.min(60_000, wait.endsWith('ms') ? n : n * 1000);
      // A client that goes away stops the wait.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const outcome = await governance.awaitOutcome(request.params.proposalId, {
        signal: gone.signal,
        timeoutMs: Math.max(ms, 50),
      });
      if (!outcome.settled && outcome.reason === 'not_found') {
        return reply.code(404).send({ error: 'not_found', message: 'no such proposal' });
      }
      return outcome;
    },
  );

  api.post(
    '/proposals/:proposalId/lanes',
    {
      schema: {
        params: proposalParams,
        body: laneRequestBody,
        tags: ['lanes'],
        summary: 'Request approval: open a pending lane',
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const result = await requestApproval(acting(actor), request.params.proposalId, {
        ...request.body,
        actorId: actor.actorId,
      });
      return sendLaneResult(reply, result, 201);
    },
  );

  api.post(
    '/proposals/:proposalId/execution',
    { schema: { params: proposalParams, tags: ['lanes'], summary: 'Execute an auto proposal' } },
    async (request, reply) => {
      const result = await executeProposal(acting(actorOf(request)), request.params.proposalId);
      return sendLaneResult(reply, result, 201);
    },
  );

  api.get(
    '/conversations/:conversationId/proposals',
    {
      schema: {
        params: z.strictObject({ conversationId: idSchema }),
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(1_000).optional(),
          after: z.uuid().optional(),
        }),
        tags: ['proposals'],
        summary: "A conversation's proposals, newest first",
      },
    },
    async (request) => ({
      items: await governance.listProposalsForConversation(
        request.params.conversationId,
        request.query,
      ),
    }),
  );
}
