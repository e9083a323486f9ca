import { ConfigurationError } from './errors/configurationError.js';
import type { GovernanceRuntime } from './governanceRuntime.js';

// The runtime behind each facade, for countersign's own hosts (HTTP, CLI); never exported.
const runtimes = new WeakMap<object, GovernanceRuntime>();

/** Records `rt` as the runtime behind `facade`; returns the facade. */
export function withRuntime<T extends object>(facade: T, rt: GovernanceRuntime): T {
  runtimes.set(facade, rt);
  return facade;
}

/** The runtime behind a facade `createGovernance` returned. */
export function runtimeOf(facade: object): GovernanceRuntime {
  const rt = runtimes.get(facade);
  if (!rt) throw new ConfigurationError('expected a governance returned by createGovernance');
  return rt;
}
