import { z } from 'zod';
import { caseQuerySchema } from '../cases/caseList.js';
import type { CaseResult } from '../cases/cases.js';
import { actorOf } from './authenticate.js';
import { caseErrorStatus, sendRefusal } from './httpErrors.js';
import type { Api, RouteContext } from './routeContext.js';
import { caseIdSchema, idSchema } from '../pipeline/idSchema.js';
import type { FastifyReply } from 'fastify';

const caseParams = z.strictObject({ caseId: caseIdSchema });
const notFound = { error: 'not_found', message: 'no such case' };

function sendCaseResult(reply: FastifyReply, result: CaseResult, okStatus = 200): FastifyReply {
  if (result.ok) return reply.code(okStatus).send(result);
  return sendRefusal(reply, caseErrorStatus[result.error], result);
}

/** Cases: open one, read it with its budget and receipts, verify its trail, close it. */
export function caseRoutes(api: Api, { governance }: RouteContext): void {
  api.post(
    '/cases',
    {
      schema: {
        body: z.strictObject({
          policy: idSchema,
          conversationId: idSchema.nullish(),
          id: caseIdSchema.optional(),
        }),
        tags: ['cases'],
        summary: 'Open a case under the current version of a policy',
      },
    },
    async (request, reply) =>
      sendCaseResult(
        reply,
        await governance.createCase({ ...request.body, actorId: actorOf(request).actorId }),
        201,
      ),
  );

  api.get(
    '/cases',
    {
      schema: {
        querystring: caseQuerySchema,
        tags: ['cases'],
        summary: 'Cases, newest first, one page, each with its count of open lanes',
      },
    },
    async (request) => governance.listCases(request.query),
  );

  api.get(
    '/cases/:caseId',
    { schema: { params: caseParams, tags: ['cases'], summary: 'A case with its budget ledger' } },
    async (request, reply) => {
      const id = request.params.caseId;
      const [found, budget] = await Promise.all([
        governance.getCase(id),
        governance.checkBudget(id),
      ]);
      return found ? { case: found, budget } : reply.code(404).send(notFound);
    },
  );

  api.get(
    '/cases/:caseId/receipts',
    { schema: { params: caseParams, tags: ['cases'], summary: "A case's governance receipts" } },
    async (request, reply) => {
      const id = request.params.caseId;
      const found = await governance.getCase(id);
      return found ? { items: await governance.listReceipts(id) } : reply.code(404).send(notFound);
    },
  );

  api.get(
    '/cases/:caseId/verification',
    { schema: { params: caseParams, tags: ['audit'], summary: "Verify a case's audit chain" } },
    async (request, reply) => {
      // An unknown case is a 404 like every unknown id; a case whose row was edited behind
      // its chain is a finding to report (200), which reading the case first would throw on.
      const verified = await governance.verifyCaseTrail(request.params.caseId);
      if (!verified.ok && verified.problem === 'not_found') return reply.code(404).send(notFound);
      return verified;
    },
  );

  api.post(
    '/cases/:caseId/completion',
    { schema: { params: caseParams, tags: ['cases'], summary: 'Complete a case' } },
    async (request, reply) =>
      sendCaseResult(
        reply,
        await governance.completeCase(request.params.caseId, { actorId: actorOf(request).actorId }),
      ),
  );

  api.post(
    '/cases/:caseId/cancellation',
    {
      schema: {
        params: caseParams,
        body: z.strictObject({ reason: z.string().trim().min(1).max(4_000) }),
        tags: ['cases'],
        summary: 'Cancel a case; its open lanes expire',
      },
    },
    async (request, reply) =>
      sendCaseResult(
        reply,
        await governance.cancelCase(request.params.caseId, {
          actorId: actorOf(request).actorId,
          reason: request.body.reason,
        }),
      ),
  );
}
