import type { Command } from 'commander';
import { Option } from 'commander';
import { createServer } from '../http/server.js';
import { tokenDirectory } from '../http/tokens.js';
import { registerPrometheusMetrics } from '../prometheusMetrics.js';
import { CliExit, exitCodes, openGovernance, progress, tokenEntries } from './cliContext.js';
import type { GlobalOptions } from './cliContext.js';
import { openInspector } from './inspector.js';
import type { LaneInspector } from './inspector.js';

/** Resolves when the process is asked to stop (SIGINT, SIGTERM). */
const stopSignal = () =>
  new Promise<string>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });

/** `serve` (the HTTP API and, unless told not to, the workers) and `workers` (workers only). */
export function serveCommands(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API (and the workers) until SIGINT or SIGTERM')
    .option('--port <port>', 'port to listen on (0: any free one)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-workers', 'do not run the Agenda workers in this process')
    .option('--metrics', 'serve Prometheus metrics at /metrics')
    .addOption(
      new Option('--inspect [url]', 'send every lane actor to the Stately inspector').preset(true),
    )
    .action(
      async (
        o: {
          port: string;
          host: string;
          workers: boolean;
          metrics?: boolean;
          inspect?: string | true;
        },
        cmd: Command,
      ) => {
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        const entries = tokenEntries(opts);
        if (entries.length === 0) {
          throw new CliExit(
            exitCodes.usage,
            'serve needs a tokens file: --tokens, or COUNTERSIGN_TOKENS',
          );
        }
        progress('opening the database and applying migrations…');
        const prometheus = o.metrics ? registerPrometheusMetrics() : undefined;
        // The database first, so a refusal (a directory another serve holds) comes before any
        // listener; lanes run only once the API listens, after the inspector is connected.
        let inspector: LaneInspector | null = null;
        const gov = await openGovernance(opts, {
          embeddedInUse: 'refuse',
          ...(o.inspect ? { inspect: (event) => inspector?.inspect(event) } : {}),
        });
        try {
          // The bridge listens where the API does: loopback unless --host says otherwise.
          if (o.inspect) inspector = await openInspector(o.inspect, { host: o.host });
          const server = await createServer(gov, {
            resolveToken: tokenDirectory(entries),
            ...(prometheus ? { metrics: prometheus } : {}),
          });
          try {
            if (o.workers) await gov.startWorkers();
            const address = await server.listen({ port: Number(o.port), host: o.host });
            process.stdout.write(`countersign listening on ${address}\n`);
            const signal = await stopSignal();
            progress(`${signal}: closing`);
          } finally {
            await server.close();
          }
        } finally {
          await gov.close();
          await inspector?.close();
        }
      },
    );

  program
    .command('workers')
    .description('run only the Agenda workers (expiry, resume, execution, reconcile)')
    .action(async (_o: unknown, cmd: Command) => {
      const gov = await openGovernance(cmd.optsWithGlobals<GlobalOptions>(), {
        embeddedInUse: 'refuse',
      });
      try {
        await gov.startWorkers();
        process.stdout.write('countersign workers running\n');
        progress(`${await stopSignal()}: draining`);
      } finally {
        await gov.close();
      }
    });
}
