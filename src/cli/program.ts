import { Command, Option } from 'commander';
import { migrate, pendingMigrations } from '../../persistence/migrate.js';
import { approvalLaneDefinition } from '../../machines/approvalLaneDefinition.js';
import { createToken } from '../http/tokens.js';
import { auditCheckpoint, auditVerify, readKeyFile } from './auditCommands.js';
import { databaseOptions, openCommandDatabase, progress } from './cliContext.js';
import type { GlobalOptions } from './cliContext.js';
import { laneCommands } from './laneCommands.js';
import { exportMachine } from './machineExport.js';
import type { MachineFormat } from './machineExport.js';
import { serveCommands } from './serveCommand.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

/** The `countersign` command line; actions set `process.exitCode` or throw `CliExit`. */
export function buildProgram(): Command {
  const program = new Command('countersign')
    .description('Governed tool calls: proposals, approval lanes, cases and their audit trail.')
    .option(
      '--database-url <url>',
      'PostgreSQL URL (else DATABASE_URL, else the embedded database)',
    )
    .option('--data-dir <dir>', 'the embedded database directory', '.countersign/pgdata')
    .option('--config <file>', 'an ES module exporting the governance options (tools, roles…)')
    .option('--tokens <file>', 'the tokens file (else COUNTERSIGN_TOKENS)')
    .option('--json', 'print JSON for scripts')
    // Each command's help lists these too: `serve` cannot start without `--tokens`.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    // Errors come back as exceptions (see cli.ts), in every subcommand created below.
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failed (a trail that does not verify), 2 usage (an unknown command or\n' +
        'option, a value out of range), 3 not found (a lane or proposal id), 4 refused.',
    );

  const database = (cmd: Command) => {
    const o = cmd.optsWithGlobals<GlobalOptions & { create?: boolean }>();
    // Only migrate creates: an embedded directory, and a server database when asked (--create).
    return databaseOptions(o, cmd.name() !== 'migrate' ? 'none' : o.create ? 'all' : 'embedded');
  };

  for (const [name, description] of [
    ['migrate', 'apply pending migrations'],
    ['pending', 'list migrations not yet applied'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .addOption(
        new Option('--create', 'create the server database the URL names if it is missing')
          // Only migrate creates; pending reads.
          .hideHelp(name !== 'migrate'),
      )
      .action(async (_o: unknown, cmd: Command) => {
        progress('opening the database…');
        const db = await openCommandDatabase(database(cmd));
        try {
          if (name === 'migrate') progress('applying migrations…');
          const names = name === 'migrate' ? await migrate(db) : await pendingMigrations(db);
          const verb = name === 'migrate' ? 'applied' : 'pending';
          if (cmd.optsWithGlobals<GlobalOptions>().json) print(JSON.stringify({ [verb]: names }));
          else
            print(
              names.length === 0
                ? `no migrations ${verb}`
                : names.map((n) => `${verb} ${n}`).join('\n'),
            );
        } finally {
          await db.close();
        }
      });
  }

  serveCommands(program);
  laneCommands(program);

  program
    .command('demo')
    .description('the 60-second tour, on the embedded database unless DATABASE_URL is set')
    .action(async () => {
      // The tour ships beside the CLI; loaded only when asked for.
      const { runDemo } = (await import('../../examples/tour.js')) as { runDemo(): Promise<void> };
      await runDemo();
    });

  program
    .command('machine')
    .description('the lane machine')
    .command('export')
    .description('print the lane machine definition')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['json', 'mermaid', 'scxml-like'])
        .default('json'),
    )
    .action((o: { format: MachineFormat }) => {
      process.stdout.write(exportMachine(approvalLaneDefinition(), o.format));
    });

  const audit = program.command('audit').description('verify and anchor the audit trail');
  const keyOption = () =>
    new Option('--key-file <file>', 'audit keys (JSON; else COUNTERSIGN_AUDIT_KEY_FILE)').env(
      'COUNTERSIGN_AUDIT_KEY_FILE',
    );
  audit
    .command('verify')
    .description(
      "verify one proposal's trail, or every trail; exits 1 on any finding, 3 if unknown",
    )
    .argument('[proposalId]', 'the proposal whose trail to verify (default: all)')
    .option('--checkpoint <file>', 'also check the trails against this checkpoint')
    .addOption(keyOption())
    .action(
      async (
        proposalId: string | undefined,
        o: { checkpoint?: string; keyFile?: string },
        cmd: Command,
      ) => {
        process.exitCode = await auditVerify(
          database(cmd),
          readKeyFile(o.keyFile),
          o.checkpoint,
          print,
          proposalId,
        );
      },
    );
  audit
    .command('checkpoint')
    .description('print a signed checkpoint of every audit chain (JSON)')
    .addOption(keyOption())
    .action(async (o: { keyFile?: string }, cmd: Command) => {
      process.exitCode = await auditCheckpoint(database(cmd), readKeyFile(o.keyFile), print);
    });

  program
    .command('tokens')
    .description('bearer tokens for the HTTP API and the CLI')
    .command('create')
    .description('print a new token (shown once) and its tokens-file entry (stored hashed)')
    .requiredOption('--actor <actorId>', 'who the token acts as')
    .option('--role <role...>', 'roles the actor holds', [])
    .option('--scope <scope...>', 'scopes the actor holds', [])
    .action((o: { actor: string; role: string[]; scope: string[] }) => {
      const { token, tokenHash } = createToken();
      const entry = { tokenHash, actorId: o.actor, scopes: o.scope, roles: o.role };
      print(JSON.stringify({ token, entry }, null, 2));
    });

  return program;
}
