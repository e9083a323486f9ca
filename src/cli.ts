#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isCountersignError } from './errors/countersignError.js';
import { CliExit, exitCodes } from './cli/cliContext.js';
import { buildProgram } from './cli/program.js';

// Usage errors exit 2 (commander's own exits keep their code for --help and --version).
buildProgram()
  .parseAsync(process.argv)
  .then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      if (error instanceof CommanderError) {
        process.exit(error.exitCode === 0 ? 0 : exitCodes.usage);
      }
      const code = error instanceof CliExit ? error.exitCode : exitCodes.failed;
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${isCountersignError(error) ? `${error.code}: ` : ''}${message}\n`);
      process.exit(code);
    },
  );
