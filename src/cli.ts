#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { openDatabase } from '../persistence/database.js';
import { migrate, pendingMigrations } from '../persistence/migrate.js';

const USAGE = `usage: countersign <command> [--database-url URL] [--data-dir DIR]

commands:
  migrate   apply pending migrations
  pending   list migrations not yet applied

The database is --database-url, else DATABASE_URL, else the embedded one in --data-dir
(default .countersign/pgdata).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (values.help || (command !== 'migrate' && command !== 'pending')) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const db = await openDatabase({
    databaseUrl: values['database-url'] ?? process.env.DATABASE_URL,
    embeddedDataDir: values['data-dir'],
  });
  try {
    const names = command === 'migrate' ? await migrate(db) : await pendingMigrations(db);
    const verb = command === 'migrate' ? 'applied' : 'pending';
    console.log(
      names.length === 0 ? `no migrations ${verb}` : names.map((n) => `${verb} ${n}`).join('\n'),
    );
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
