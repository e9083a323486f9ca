#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { openDatabase } from '../persistence/database.js';
import { migrate, pendingMigrations } from '../persistence/migrate.js';
import { auditCheckpoint, auditVerify, readKeyFile } from './auditCli.js';

const USAGE = `usage: countersign <command> [--database-url URL] [--data-dir DIR]

commands:
  migrate                              apply pending migrations
  pending                              list migrations not yet applied
  audit checkpoint [--key-file F]      print a signed checkpoint of every audit chain (JSON)
  audit verify [--checkpoint F] [--key-file F]
                                       verify every audit trail (against the checkpoint);
                                       prints each finding, exits 1 on any

The database is --database-url, else DATABASE_URL, else the embedded one in --data-dir
(default .countersign/pgdata). The key file (--key-file, else COUNTERSIGN_AUDIT_KEY_FILE) is
JSON: { "signingKey": { "keyId", "hmacSecret" | "privateKey" (PEM) },
"verificationKeys": [{ "keyId", "hmacSecret" | "publicKey" (PEM) }] }.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      'key-file': { type: 'string' },
      checkpoint: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, sub] = positionals;
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (command === 'audit' && (sub === 'checkpoint' || sub === 'verify')) {
    const keys = readKeyFile(values['key-file'] ?? process.env.COUNTERSIGN_AUDIT_KEY_FILE);
    const print = (line: string) => console.log(line);
    const target = { databaseUrl, embeddedDataDir: values['data-dir'] };
    return sub === 'checkpoint'
      ? auditCheckpoint(target, keys, print)
      : auditVerify(target, keys, values.checkpoint, print);
  }
  if (values.help || (command !== 'migrate' && command !== 'pending')) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const db = await openDatabase({
    databaseUrl,
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
