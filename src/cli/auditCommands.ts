import { readFileSync } from 'node:fs';
import type { Database, DatabaseOptions } from '../../persistence/database.js';
import { findProposalIds } from '../../persistence/proposal.repository.js';
import type { AuditOptions } from '../audit/signing.js';
import { ConfigurationError } from '../errors/configurationError.js';
import { createGovernance } from '../governance.js';
import type { Governance } from '../governanceApi.js';
import { exitCodes, openCommandDatabase } from './cliContext.js';

/** The audit keys of a key file: `{ signingKey?, verificationKeys? }` as `createGovernance` takes them. */
export function readKeyFile(path: string | undefined): AuditOptions {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AuditOptions;
  } catch (error) {
    throw new ConfigurationError(`cannot read the key file ${path}: ${(error as Error).message}`);
  }
}

type Print = (line: string) => void;

/** Where the CLI's audit commands read: the database options of `countersign`. */
export type AuditTarget = Pick<
  DatabaseOptions,
  'databaseUrl' | 'embeddedDataDir' | 'createMissing' | 'embeddedInUse'
>;

/**
 * Opens the database once and a governance over it for audit work only: no tools, no jobs,
 * no migrations applied. `run` gets both; both are closed after it.
 */
async function withAudit<T>(
  target: AuditTarget,
  audit: AuditOptions,
  run: (gov: Governance, db: Database) => Promise<T>,
): Promise<T> {
  const db = await openCommandDatabase(target);
  try {
    const gov = await createGovernance({
      tools: [],
      orm: db.orm,
      audit,
      applyMigrations: false,
      enqueue: () => {},
    });
    try {
      return await run(gov, db);
    } finally {
      await gov.close();
    }
  } finally {
    await db.close();
  }
}

/** `countersign audit checkpoint`: prints a signed checkpoint as JSON. */
export function auditCheckpoint(
  target: AuditTarget,
  audit: AuditOptions,
  print: Print,
): Promise<number> {
  return withAudit(target, audit, async (gov) => {
    print(JSON.stringify(await gov.createAuditCheckpoint()));
    return 0;
  });
}

/**
 * `countersign audit verify [proposalId] --checkpoint FILE`: checks the checkpoint, then
 * the one trail named, or every trail, against it; prints each finding as a JSON line and a
 * summary. 1 on any finding; 3 when the proposal named does not exist.
 */
export function auditVerify(
  target: AuditTarget,
  audit: AuditOptions,
  checkpointFile: string | undefined,
  print: Print,
  proposalId?: string,
): Promise<number> {
  return withAudit(target, audit, async (gov, db) => {
    let findings = 0;
    let checkpoint: unknown;
    if (checkpointFile) {
      checkpoint = JSON.parse(readFileSync(checkpointFile, 'utf8'));
      const verified = await gov.verifyAuditCheckpoint(checkpoint);
      if (!verified.ok) {
        findings += 1;
        print(JSON.stringify({ checkpoint: verified }));
        if (verified.problem !== 'rolled_back') return 1;
      }
    }
    if (proposalId !== undefined) {
      const result = await gov.verifyAuditTrail(proposalId, checkpoint ? { checkpoint } : {});
      print(JSON.stringify({ proposalId, ...result }));
      if (!result.ok && result.problem === 'not_found') return exitCodes.notFound;
      return result.ok && findings === 0 ? exitCodes.ok : exitCodes.failed;
    }
    let trails = 0;
    for (let after: string | null = null; ;) {
      const ids: string[] = await findProposalIds(db.orm.em.fork(), after, 500);
      if (ids.length === 0) break;
      for (const id of ids) {
        trails += 1;
        const result = await gov.verifyAuditTrail(id, checkpoint ? { checkpoint } : {});
        if (!result.ok) {
          findings += 1;
          print(JSON.stringify({ proposalId: id, ...result }));
        }
      }
      after = ids.at(-1)!;
    }
    print(`${trails} trails verified, ${findings} findings`);
    return findings === 0 ? 0 : 1;
  });
}
