import type { EntityManager } from '@mikro-orm/postgresql';
import type { InspectionEvent } from 'xstate';
import type { Database } from '../persistence/database.js';
import type { LaneJobRequest } from '../scheduler/laneJobs.js';
import type { AuditKeys } from './audit/signing.js';
import { CountersignError } from './errors/countersignError.js';
import { DatabaseError } from './errors/databaseError.js';
import { createCaseStore } from './cases/caseStore.js';
import type { CaseStore } from './cases/caseStore.js';
import { createLaneStore } from './lanes/laneStore.js';
import type { LaneStore } from './lanes/laneStore.js';
import type { PipelineLimits } from './pipeline/validate.js';
import type { RiskTier } from './tools/defineTool.js';
import type { ToolRegistry } from './tools/toolRegistry.js';

/** Hands a lane job to the scheduler; called only after the transition that declared it committed. */
export type Enqueue = (job: LaneJobRequest) => void | Promise<void>;

/** What the host knows of an actor: their canonical id, scopes and roles. */
export interface ActorIdentity {
  /**
   * The id every guard compares (four-eyes included), when the directory knows the actor
   * under another spelling (`Dana`, `dana\u200b` → `dana`). @default the id as given, NFC
   */
  actorId?: string;
  scopes: readonly string[];
  roles: readonly string[];
}

/** Looks an actor up; null for an actor the host does not know. */
export type ResolveActor = (
  actorId: string,
) => ActorIdentity | null | Promise<ActorIdentity | null>;

/** How lanes are opened, decided and handed on. */
export interface LaneSettings {
  approvalTtlSeconds: number;
  approverRoles: Partial<Record<RiskTier, string>>;
  expireRole: string | null;
  resolveActor: ResolveActor | undefined;
  /**
   * The governance's own directory. An acting view (one HTTP token) narrows `resolveActor`
   * to its actor; this still judges a proposer's scopes when an approver edits their call.
   */
  directory: ResolveActor | undefined;
  enqueue: Enqueue;
  inspect: ((event: InspectionEvent) => void) | undefined;
}

/** What every facade operation shares: the tools, the database and the configuration. */
export interface GovernanceRuntime {
  registry: ToolRegistry;
  db: Database;
  limits: PipelineLimits;
  lanes: LaneSettings;
  /** Signs chain heads and checks signatures; `anchored` when a signing key is configured. */
  audit: AuditKeys;
  /** The clock every writer stamps with (the machines have none). */
  now: () => Date;
  /** Runs `fn` on a fresh EntityManager fork; driver failures become {@link DatabaseError}. */
  withEm<T>(operation: string, fn: (em: EntityManager) => Promise<T>): Promise<T>;
  /** Lane reads and writes, batched across concurrent callers. */
  laneStore: LaneStore;
  /** Case reads (policy bodies cached by hash) and writes. */
  cases: CaseStore;
}

export function createRuntime(
  parts: Omit<GovernanceRuntime, 'withEm' | 'laneStore' | 'cases'>,
): GovernanceRuntime {
  const withEm: GovernanceRuntime['withEm'] = async (operation, fn) => {
    try {
      return await fn(parts.db.orm.em.fork());
    } catch (error) {
      if (error instanceof CountersignError) throw error;
      throw new DatabaseError(operation, error);
    }
  };
  return {
    ...parts,
    withEm,
    laneStore: createLaneStore(withEm),
    cases: createCaseStore(withEm, parts.audit),
  };
}
