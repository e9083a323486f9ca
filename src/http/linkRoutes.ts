import { z } from 'zod';
import type { Governance } from '../governanceApi.js';
import { laneErrorStatus, sendRefusal } from './httpErrors.js';
import type { Api } from './routeContext.js';

// The link itself is the credential: it needs no bearer token.
const linkErrorStatus = {
  invalid_link: 401,
  link_expired: 410,
  link_used: 409,
  input_changed: 409,
} as const;

/** `POST /decision-links/use`: decides a link's lane as its approver, once. */
export function linkRoutes(api: Api, governance: Governance): void {
  api.post(
    '/decision-links/use',
    {
      schema: {
        body: z.strictObject({
          token: z.string().min(1).max(4_096),
          note: z.string().max(4_000).optional(),
          reason: z.string().max(4_000).optional(),
        }),
        tags: ['lanes'],
        summary: 'Use a one-time decision link (no bearer token: the link is the credential)',
        security: [],
      },
    },
    async (request, reply) => {
      const { token, ...fields } = request.body;
      const result = await governance.useDecisionLink(token, fields);
      if (result.ok) return result;
      const status =
        result.error in linkErrorStatus
          ? linkErrorStatus[result.error as keyof typeof linkErrorStatus]
          : laneErrorStatus[result.error as keyof typeof laneErrorStatus];
      return sendRefusal(reply, status, result);
    },
  );
}
