import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

const EMPTY = 'an empty parameter is not allowed: give it a value or leave it out';

// One rule for every query parameter of every route: `?caseId=` is a 400, never "no
// filter" (a client whose variable was unset would list everything) nor a silent 0.
// Typed by its input only: its output is what the route's own schema reads.
const nonEmptyQuery: z.core.$ZodType<unknown, unknown> = z.record(
  z.string(),
  z.union([z.string().min(1, EMPTY), z.array(z.string().min(1, EMPTY))]),
);

/**
 * The zod validator compiler, with one rule added for query strings: a parameter given
 * with an empty value is a 400 naming it, before the route's own schema reads it.
 */
export const validatorCompiler: FastifySchemaCompiler<z.core.$ZodType> = (route) =>
  zodValidatorCompiler(
    route.httpPart === 'querystring'
      ? { ...route, schema: z.pipe(nonEmptyQuery, route.schema) }
      : route,
  );
