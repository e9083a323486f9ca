import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../persistence/database.js';
import { CountersignError } from './errors/countersignError.js';
import { DatabaseError } from './errors/databaseError.js';
import type { PipelineLimits } from './pipeline/validate.js';
import type { ToolRegistry } from './tools/toolRegistry.js';

/** What every facade operation shares: the tools, the database and the configured limits. */
export interface GovernanceRuntime {
  registry: ToolRegistry;
  db: Database;
  limits: PipelineLimits;
  /** Runs `fn` on a fresh EntityManager fork; driver failures become {@link DatabaseError}. */
  withEm<T>(operation: string, fn: (em: EntityManager) => Promise<T>): Promise<T>;
}

export function createRuntime(
  registry: ToolRegistry,
  db: Database,
  limits: PipelineLimits,
): GovernanceRuntime {
  return {
    registry,
    db,
    limits,
    async withEm(operation, fn) {
      try {
        return await fn(db.orm.em.fork());
      } catch (error) {
        if (error instanceof CountersignError) throw error;
        throw new DatabaseError(operation, error);
      }
    },
  };
}
