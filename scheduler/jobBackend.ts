import type { AgendaBackend } from 'agenda';
import { createPreparedStatementPool } from './jobPool.js';

/** Where the job table lives: PostgreSQL (default) or MongoDB. */
export interface JobBackendOptions {
  /** `postgres://…` (usually the persistence database) or `mongodb://…`. */
  url: string;
  /**
   * The database is an embedded PGlite: it cannot deliver LISTEN/NOTIFY across connections,
   * so workers find new jobs by polling every `processEvery`.
   */
  embedded: boolean;
  /** Connections of the job table's pool (PostgreSQL). @default 10 */
  poolSize?: number;
}

/** The job table's name, so countersign's jobs never mix with a host's own Agenda jobs. */
export const JOB_TABLE = 'countersign_jobs';

/** Picks Agenda's backend by URL scheme. Each backend owns (creates and upgrades) its job table. */
export async function createJobBackend(options: JobBackendOptions): Promise<AgendaBackend> {
  if (options.url.startsWith('mongodb://') || options.url.startsWith('mongodb+srv://')) {
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    return new MongoBackend({ address: options.url, collection: JOB_TABLE });
  }
  const { PostgresBackend } = await import('@agendajs/postgres-backend');
  const names = { tableName: JOB_TABLE, channelName: JOB_TABLE };
  // PGlite's socket serves every client in one session, where named statements collide.
  if (options.embedded)
    return new PostgresBackend({
      ...names,
      poolConfig: { connectionString: options.url },
      disableNotifications: true,
    });
  // Job rows can be lost in a server crash without losing work: lane rows are committed
  // durably first and the reconciler re-drives any lane whose job is missing. So the job
  // table skips the wait for its commits to reach disk. Agenda's few fixed statements are
  // planned once per connection (generic plans), not again on every call.
  const pool = createPreparedStatementPool({
    connectionString: options.url,
    options: '-c synchronous_commit=off -c plan_cache_mode=force_generic_plan',
    max: options.poolSize ?? 10,
  });
  // A pool handed in is not Agenda's to close; it closes with the backend all the same.
  class JobBackend extends PostgresBackend {
    override async disconnect() {
      await super.disconnect();
      if (!pool.ended) await pool.end();
    }
  }
  // The backend types its pool with its own copy of pg's types; the API is the same.
  type BackendPool = NonNullable<ConstructorParameters<typeof PostgresBackend>[0]['pool']>;
  return new JobBackend({ ...names, pool: pool as unknown as BackendPool });
}
