import type { AgendaBackend } from 'agenda';

/** Where the job table lives: PostgreSQL (default) or MongoDB. */
export interface JobBackendOptions {
  /** `postgres://…` (usually the persistence database) or `mongodb://…`. */
  url: string;
  /**
   * The database is an embedded PGlite: it cannot deliver LISTEN/NOTIFY across connections,
   * so workers find new jobs by polling every `processEvery`.
   */
  embedded: boolean;
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
  return new PostgresBackend({
    // Job rows can be lost in a server crash without losing work: lane rows are committed
    // durably first and the reconciler re-drives any step whose job is missing. So the job
    // table skips the wait for its commits to reach disk (not on PGlite, which has no such
    // setting to spare).
    poolConfig: {
      connectionString: options.url,
      ...(options.embedded ? {} : { options: '-c synchronous_commit=off' }),
    },
    tableName: JOB_TABLE,
    channelName: JOB_TABLE,
    disableNotifications: options.embedded,
  });
}
