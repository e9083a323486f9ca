#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isCountersignError } from './errors/countersignError.js';
import { isInvalidRequestError } from './errors/invalidRequestError.js';
import { CliExit, exitCodes } from './cli/cliContext.js';
import { buildProgram } from './cli/program.js';

/** Resolves once everything written to `stream` so far has reached the other end. */
const drained = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));

/**
 * Ends the process with `code` after stdout and stderr drain: a pipe read slowly still gets
 * every byte, and an open handle (a pool, a timer) cannot keep the process alive.
 */
async function exit(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/** The exit code of a failure: commander's own keep 0 (--help, --version), else 2 for usage. */
function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : exitCodes.usage;
  if (error instanceof CliExit) return error.exitCode;
  // Arguments of the wrong shape came from the command line: a usage error.
  return isInvalidRequestError(error) ? exitCodes.usage : exitCodes.failed;
}

buildProgram()
  .parseAsync(process.argv)
  .then(
    () => exit(Number(process.exitCode ?? 0)),
    (error: unknown) => {
      // Commander has already printed its own errors and help.
      if (!(error instanceof CommanderError)) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`${isCountersignError(error) ? `${error.code}: ` : ''}${message}\n`);
      }
      return exit(exitCodeOf(error));
    },
  );
