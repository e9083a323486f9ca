import { ConfigurationError } from '../errors/configurationError.js';
import type { ToolDefinition } from './defineTool.js';

/** A tool by name (newest registered version) or by name and version. */
export type ToolRef = string | { name: string; version?: string };

/** Tools by name and version; the last registered version of a name is its default. */
export class ToolRegistry {
  readonly #byName = new Map<string, Map<string, ToolDefinition>>();
  readonly #latest = new Map<string, ToolDefinition>();

  constructor(tools: readonly ToolDefinition[]) {
    for (const tool of tools) {
      const versions = this.#byName.get(tool.name) ?? new Map<string, ToolDefinition>();
      if (versions.has(tool.version)) {
        throw new ConfigurationError(`tool ${tool.name}@${tool.version} is registered twice`);
      }
      versions.set(tool.version, tool);
      this.#byName.set(tool.name, versions);
      this.#latest.set(tool.name, tool);
    }
  }

  resolve(ref: ToolRef): ToolDefinition | undefined {
    const { name, version } = typeof ref === 'string' ? { name: ref, version: undefined } : ref;
    return version === undefined ? this.#latest.get(name) : this.#byName.get(name)?.get(version);
  }

  /** True when some version of `name` is registered. */
  has(name: string): boolean {
    return this.#latest.has(name);
  }

  /** Resolves the tool a stored proposal was made for (exact version). */
  byVersion(name: string, version: string): ToolDefinition | undefined {
    return this.#byName.get(name)?.get(version);
  }
}
