import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '../errors/configurationError.js';
import { createGovernance } from '../governance.js';
import type { Governance } from '../governanceApi.js';
import type { GovernanceOptions } from '../governanceOptions.js';
import { openDatabase } from '../../persistence/database.js';
import type { Database, DatabaseOptions } from '../../persistence/database.js';
import { asOpenFailure } from '../errors/databaseError.js';
import { readTokensFile, tokenDirectory } from '../http/tokens.js';
import type { TokenActor, TokenEntry } from '../http/tokens.js';

/** What a `--config` module exports (default): the governance's options but its database. */
export type CountersignConfig = Partial<Omit<GovernanceOptions, 'databaseUrl' | 'orm'>>;

/** The options every command shares. */
export interface GlobalOptions {
  databaseUrl?: string;
  dataDir?: string;
  config?: string;
  tokens?: string;
  json?: boolean;
}

/** Exit codes: what a script can tell apart. */
export const exitCodes = {
  ok: 0,
  /** A check failed (a broken trail) or an operation failed. */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
  /** What was named does not exist. */
  notFound: 3,
  /** Refused: forbidden, not pending, a conflict. */
  refused: 4,
} as const;

/** A failure the CLI reports in one line and ends with `exitCode`. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

async function loadConfig(file: string | undefined): Promise<CountersignConfig> {
  if (!file) return {};
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (error) {
    throw new ConfigurationError(`cannot load the config ${file}: ${(error as Error).message}`);
  }
  const value = typeof mod.default === 'function' ? await mod.default() : mod.default;
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError(`the config ${file} must export default an options object`);
  }
  return value as CountersignConfig;
}

/** The tokens file's entries: `--tokens`, else COUNTERSIGN_TOKENS; none when neither is set. */
export function tokenEntries(opts: GlobalOptions): TokenEntry[] {
  const file = opts.tokens ?? process.env.COUNTERSIGN_TOKENS;
  return file ? readTokensFile(file) : [];
}

/** The actor a token acts as, from the tokens file; a token nobody issued is refused. */
export async function actorOfToken(
  opts: GlobalOptions,
  token: string | undefined,
): Promise<TokenActor> {
  const given = token ?? process.env.COUNTERSIGN_TOKEN;
  if (!given)
    throw new CliExit(exitCodes.usage, 'a token is required: --token, or COUNTERSIGN_TOKEN');
  const entries = tokenEntries(opts);
  if (entries.length === 0) {
    throw new CliExit(
      exitCodes.usage,
      'a tokens file is required: --tokens, or COUNTERSIGN_TOKENS',
    );
  }
  const actor = await tokenDirectory(entries)(given);
  if (!actor) throw new CliExit(exitCodes.refused, 'the token is not in the tokens file');
  return actor;
}

/**
 * A governance for a command: the database from the options (else DATABASE_URL, else the
 * embedded one), tools and settings from `--config`, and the tokens file as the directory of
 * actors unless the config brings its own. An embedded directory another countersign holds
 * (`serve`) is reached through that process's socket; a command that applies no migrations only
 * reads and decides, so it creates no database, and a missing one is refused.
 */
export async function openGovernance(
  opts: GlobalOptions,
  extra: Partial<GovernanceOptions> = {},
): Promise<Governance> {
  const config = await loadConfig(opts.config ?? process.env.COUNTERSIGN_CONFIG);
  const entries = tokenEntries(opts);
  const actors = new Map(entries.map((e) => [e.actorId, e]));
  const directory =
    entries.length > 0
      ? (id: string) => {
          const e = actors.get(id);
          return e ? { actorId: e.actorId, scopes: e.scopes ?? [], roles: e.roles ?? [] } : null;
        }
      : undefined;
  return createGovernance({
    ...config,
    tools: config.tools ?? [],
    resolveActor: config.resolveActor ?? directory,
    databaseUrl: opts.databaseUrl ?? process.env.DATABASE_URL,
    embeddedDataDir: opts.dataDir ?? config.embeddedDataDir,
    embeddedInUse: 'join',
    createMissing: extra.applyMigrations === false ? 'none' : 'embedded',
    ...extra,
  });
}

/**
 * The database a command opens itself (`migrate`, `pending`, `audit …`): from the options, else
 * DATABASE_URL, else the embedded one. A directory another countersign holds (`serve`) is reached
 * through that process's socket. `creates`: what may be created when missing; only `migrate`
 * creates anything (the embedded directory, and with `--create` a server database).
 */
export function databaseOptions(
  opts: GlobalOptions,
  creates: 'none' | 'embedded' | 'all' = 'none',
): Pick<DatabaseOptions, 'databaseUrl' | 'embeddedDataDir' | 'createMissing' | 'embeddedInUse'> {
  return {
    databaseUrl: opts.databaseUrl ?? process.env.DATABASE_URL,
    embeddedDataDir: opts.dataDir,
    createMissing: creates,
    embeddedInUse: 'join',
  };
}

/** Opens the database for a command; a failure to open is a DatabaseError with its code. */
export function openCommandDatabase(options: DatabaseOptions): Promise<Database> {
  return openDatabase(options).catch((error: unknown) => {
    throw asOpenFailure('open the database', error);
  });
}

/** Progress for a person watching: on a terminal only, on stderr; silent when piped. */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
}
