import { CountersignError } from './countersignError.js';

/**
 * `createGovernance` or `defineTool` was given options that cannot work (a duplicate tool
 * version, a missing `run`, a database URL that is not PostgreSQL).
 *
 * @example
 * if (isConfigurationError(e)) process.exit(1)
 */
export class ConfigurationError extends CountersignError {
  override name: string = 'ConfigurationError';

  constructor(message: string) {
    super('configuration', message);
  }
}

/** True when `error` is a {@link ConfigurationError}. @example isConfigurationError(e) */
export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
}
