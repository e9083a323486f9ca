import { openDatabase } from '../persistence/database.js';
import type { DatabaseOptions } from '../persistence/database.js';
import { migrate, pendingMigrations } from '../persistence/migrate.js';
import type { AuditVerification } from './audit/auditChain.js';
import { ConfigurationError } from './errors/configurationError.js';
import { createRuntime } from './governanceRuntime.js';
import { parseProposalRequest } from './pipeline/proposalRequest.js';
import type { ProposalContext } from './pipeline/proposalRequest.js';
import { validateCall } from './pipeline/validateCall.js';
import type { ValidationResult } from './pipeline/validate.js';
import { propose } from './proposals/propose.js';
import type { ProposeResult } from './proposals/propose.js';
import {
  getProposal,
  listEvents,
  listProposalsForConversation,
  verifyAuditTrail,
} from './proposals/proposalReads.js';
import type { AuditEvent, Proposal, ProposalWithEvents } from './proposals/proposalView.js';
import type { ToolDefinition } from './tools/defineTool.js';
import { ToolRegistry } from './tools/toolRegistry.js';
import type { ToolRef } from './tools/toolRegistry.js';

/** Options of {@link createGovernance}. */
export interface GovernanceOptions extends DatabaseOptions {
  /** Every tool this governance may propose and run. */
  tools: readonly ToolDefinition[];
  /** Largest validated input, as JSON, that a proposal may carry. @default 262144 */
  maxInputBytes?: number;
  /**
   * Apply pending migrations on start. With `false`, start fails if any are pending (run
   * `countersign migrate` in your deploy instead). @default true
   */
  applyMigrations?: boolean;
}

/** The governance facade; see the README for the lifecycle. */
export interface Governance {
  /** Runs the validation gates; reads nothing, writes nothing. */
  validate(tool: ToolRef, actorId: string, context: ProposalContext): Promise<ValidationResult>;
  /** Validates and stores a proposal with its audit event; never runs a tool. */
  propose(tool: ToolRef, actorId: string, context: ProposalContext): Promise<ProposeResult>;
  getProposal(id: string): Promise<Proposal | null>;
  /** A proposal's audit events, oldest first. */
  listEvents(proposalId: string): Promise<AuditEvent[]>;
  /** A conversation's proposals, newest first, each with its events oldest first. */
  listProposalsForConversation(conversationId: string): Promise<ProposalWithEvents[]>;
  /** Checks a proposal's hash chain; names the first edited, removed or reordered row. */
  verifyAuditTrail(proposalId: string): Promise<AuditVerification>;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** Closes what this governance opened (not a host-supplied ORM). */
  close(): Promise<void>;
}

/**
 * Opens the database (server, embedded, or the host's ORM), checks the schema and returns
 * the facade.
 *
 * @example
 * const gov = await createGovernance({ tools: [refund], databaseUrl: process.env.DATABASE_URL });
 * const result = await gov.propose('refund', 'agent-7', { input: { orderId: 'o-1', cents: 500 } });
 */
export async function createGovernance(options: GovernanceOptions): Promise<Governance> {
  const registry = new ToolRegistry(options.tools);
  const maxInputBytes = options.maxInputBytes ?? 262_144;
  if (!Number.isInteger(maxInputBytes) || maxInputBytes < 1) {
    throw new ConfigurationError('maxInputBytes must be a positive integer');
  }
  const db = await openDatabase({
    ...options,
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
  });
  try {
    if (options.applyMigrations === false) {
      const pending = await pendingMigrations(db.orm);
      if (pending.length > 0) {
        throw new ConfigurationError(
          `pending migrations: ${pending.join(', ')}; run countersign migrate`,
        );
      }
    } else {
      await migrate(db.orm, db.embedded);
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const rt = createRuntime(registry, db, { maxInputBytes });

  return {
    validate: (tool, actorId, context) =>
      validateCall(rt, parseProposalRequest(tool, actorId, context)),
    propose: (tool, actorId, context) => propose(rt, parseProposalRequest(tool, actorId, context)),
    getProposal: (id) => getProposal(rt, id),
    listEvents: (proposalId) => listEvents(rt, proposalId),
    listProposalsForConversation: (conversationId) =>
      listProposalsForConversation(rt, conversationId),
    verifyAuditTrail: (proposalId) => verifyAuditTrail(rt, proposalId),
    migrate: () => migrate(db.orm, db.embedded),
    close: () => db.close(),
  };
}
