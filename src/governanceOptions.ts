import type { InspectionEvent } from 'xstate';
import { missingEntities, openDatabase } from '../persistence/database.js';
import type { Database, DatabaseOptions } from '../persistence/database.js';
import { migrate, pendingMigrations } from '../persistence/migrate.js';
import type { WorkerOptions } from '../scheduler/scheduler.js';
import type { AuditOptions } from './audit/signing.js';
import { ConfigurationError } from './errors/configurationError.js';
import type { Enqueue, ResolveActor } from './governanceRuntime.js';
import type { RiskTier, ToolDefinition } from './tools/defineTool.js';
import { defaultExecutionSettings } from './workers/executionSettings.js';
import type { ExecutionSettings } from './workers/executionSettings.js';

/** Options of {@link createGovernance}. */
export interface GovernanceOptions extends DatabaseOptions {
  /** Every tool this governance may propose and run. */
  tools: readonly ToolDefinition[];
  /** Largest validated input, as JSON, that a proposal may carry. @default 262144 */
  maxInputBytes?: number | undefined;
  /**
   * Apply pending migrations on start. With `false`, start fails if any are pending (run
   * `countersign migrate` in your deploy instead). @default true
   */
  applyMigrations?: boolean | undefined;
  /** Seconds a lane waits for a decision before it expires. @default 172800 (48 h) */
  approvalTtlSeconds?: number | undefined;
  /** Role an approver must hold, per risk tier; needs `resolveActor`, which says who holds it. */
  approverRoles?: { [Tier in RiskTier]?: string | undefined } | undefined;
  /**
   * Role a host's actor must hold to expire a lane before its deadline; needs `resolveActor`.
   * @default the role the lane's approvers need
   */
  expireRole?: string | undefined;
  /**
   * The directory: an actor's canonical id, scopes and roles. With it, proposals hold the
   * scopes it grants (declared scopes only narrow them) and decisions the roles; without
   * it no role is required (four-eyes still holds) and declared scopes stand.
   */
  resolveActor?: ResolveActor | undefined;
  /** Receives each lane job after its record commits. @default none: jobs wait for a scheduler */
  enqueue?: Enqueue | undefined;
  /** XState inspection callback, passed to every lane actor the runtime creates. */
  inspect?: ((event: InspectionEvent) => void) | undefined;
  /**
   * How often `awaitOutcome`'s one shared read runs when no commit woke it (a safety net:
   * commits wake it through NOTIFY on a server). @default 1000; embedded: 100
   */
  outcomePollIntervalMs?: number | undefined;
  /** The runtime's clock (the machine has none). @default () => new Date() */
  clock?: (() => Date) | undefined;
  /**
   * Agenda: `url` picks the job backend (unset: the persistence database; `mongodb://…`:
   * MongoDB), the rest tunes the workers.
   */
  scheduler?: (WorkerOptions & { url?: string | undefined }) | undefined;
  /** Claims, retries and re-drives of executions. */
  execution?: { [K in keyof ExecutionSettings]?: ExecutionSettings[K] | undefined } | undefined;
  /**
   * Anchors the audit trail outside the database: a key that signs every advance of a
   * chain's head and every checkpoint, and earlier keys that still verify.
   * @default none: nothing is signed and verification results say `anchored: false`
   */
  audit?: AuditOptions | undefined;
  /**
   * Keys that sign one-time decision links (`createDecisionLink`): the same shape as
   * `audit`, kept apart from it. @default none: no links can be made or used
   */
  decisionLinks?: AuditOptions | undefined;
}

/** Per-call options of the decision methods. */
export interface DecisionOptions {
  /** Replaces the scheduler for this call's jobs. */
  enqueue?: Enqueue | undefined;
}

/** Checks the options that need no database; a bad one is a {@link ConfigurationError}. */
export function checkOptions(options: GovernanceOptions): {
  maxInputBytes: number;
  approvalTtlSeconds: number;
} {
  const maxInputBytes = options.maxInputBytes ?? 262_144;
  if (!Number.isInteger(maxInputBytes) || maxInputBytes < 1) {
    throw new ConfigurationError('maxInputBytes must be a positive integer');
  }
  const approvalTtlSeconds = options.approvalTtlSeconds ?? 172_800;
  if (
    !Number.isInteger(approvalTtlSeconds) ||
    approvalTtlSeconds < 1 ||
    approvalTtlSeconds > 31_536_000
  ) {
    throw new ConfigurationError(
      'approvalTtlSeconds must be a whole number of seconds from 1 to 31536000',
    );
  }
  const roles = Object.values(options.approverRoles ?? {}).filter((r) => r !== undefined);
  if ((roles.length > 0 || options.expireRole !== undefined) && !options.resolveActor) {
    // Without a directory no one can be shown to hold a role: refusing to start beats
    // enforcing nothing silently.
    throw new ConfigurationError('approverRoles and expireRole need resolveActor');
  }
  const missing = options.orm ? missingEntities(options.orm) : [];
  if (missing.length > 0) {
    throw new ConfigurationError(
      `the host's MikroORM does not map ${missing.join(', ')}: add countersignEntities to its entities`,
    );
  }
  return { maxInputBytes, approvalTtlSeconds };
}

/** The execution settings: each one given, or its default (a setting given as `undefined` is unset). */
export function executionSettings(given: GovernanceOptions['execution']): ExecutionSettings {
  const set = Object.entries(given ?? {}).filter(([, value]) => value !== undefined);
  return { ...defaultExecutionSettings, ...Object.fromEntries(set) };
}

/** Opens the database and applies (or, with `applyMigrations: false`, checks) migrations. */
export async function openMigratedDatabase(options: GovernanceOptions): Promise<Database> {
  const db = await openDatabase({
    ...options,
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
  });
  try {
    if (options.applyMigrations === false) {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new ConfigurationError(
          `pending migrations: ${pending.join(', ')}; run countersign migrate`,
        );
      }
    } else {
      await migrate(db);
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
