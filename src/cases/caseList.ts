import { z } from 'zod';
import { findCasePage } from '../../persistence/caseList.repository.js';
import type { CaseCursor } from '../../persistence/caseList.repository.js';
import { closedCaseStatuses } from '../../machines/caseTypes.js';
import type { CaseContext, CaseStatus } from '../../machines/caseTypes.js';
import { InvalidRequestError, parseRequest } from '../errors/invalidRequestError.js';
import { caseIdSchema } from '../pipeline/idSchema.js';
import type { GovernanceRuntime } from '../governanceRuntime.js';
import { toCase } from './cases.js';
import type { Case } from './cases.js';

const caseStatuses = ['open', ...closedCaseStatuses] as [CaseStatus, ...CaseStatus[]];

/** Which cases to list: by default every case, newest first, 50 at a time. */
export const caseQuerySchema = z.strictObject({
  status: z
    .union([z.enum(caseStatuses), z.array(z.enum(caseStatuses)).min(1).max(caseStatuses.length)])
    .transform((s) => (Array.isArray(s) ? s : [s]))
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `nextCursor` of the previous page (it holds a case id: up to 800 bytes of UTF-8). */
  cursor: z.string().min(1).max(1_200).optional(),
});

export type CaseQuery = z.input<typeof caseQuerySchema>;

/** A listed case with how many of its lanes are still open. */
export type ListedCaseView = Case & { openLanes: number };

/** A page of cases; pass `nextCursor` as `cursor` for the next one (null: the last). */
export interface CasePage {
  items: ListedCaseView[];
  nextCursor: string | null;
}

const cursorSchema = z.tuple([z.iso.datetime({ precision: 6 }), caseIdSchema]);

function decodeCursor(text: string): CaseCursor {
  try {
    const [createdAt, id] = cursorSchema.parse(
      JSON.parse(Buffer.from(text, 'base64url').toString()),
    );
    return { createdAt, id };
  } catch {
    throw new InvalidRequestError('invalid case query: cursor is not one this server issued', [
      { code: 'custom', path: ['cursor'], message: 'unknown cursor', input: text },
    ]);
  }
}

/** Cases matching `query`, newest first, one page; a malformed query is an {@link InvalidRequestError}. */
export async function listCases(rt: GovernanceRuntime, query: unknown): Promise<CasePage> {
  const q = parseRequest(caseQuerySchema, query ?? {}, 'case query');
  const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
  const rows = await rt.withEm('listCases', (em) =>
    findCasePage(em, q.status ?? null, cursor, q.limit + 1),
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ row, openLanes }) => ({
      ...toCase(row, (row.snapshot.context as unknown as CaseContext).closed ?? null),
      openLanes,
    })),
    nextCursor:
      rows.length > q.limit && last
        ? Buffer.from(JSON.stringify([last.cursor.createdAt, last.cursor.id])).toString('base64url')
        : null,
  };
}
