import { z } from 'zod';
import type { ToolDefinition } from './defineTool.js';

/** What an approver may edit of a tool's input, and its shape as JSON Schema (for forms). */
export interface Editing {
  allowed: boolean;
  /** The fields (or JSON Pointer prefixes) an approver may change; null: any. */
  fields: string[] | null;
  /** The tool's input as JSON Schema; null when the tool is not registered here. */
  inputSchema: Record<string, unknown> | null;
}

const schemas = new WeakMap<ToolDefinition, Record<string, unknown>>();

function inputSchemaOf(tool: ToolDefinition): Record<string, unknown> {
  let schema = schemas.get(tool);
  if (!schema) {
    try {
      // What a form may send: the input side, with what JSON Schema cannot say left open.
      schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' });
    } catch {
      schema = {};
    }
    schemas.set(tool, schema);
  }
  return schema;
}

/** How a lane of `tool` may be edited on approval. */
export function editingOf(tool: ToolDefinition | undefined): Editing {
  if (!tool) return { allowed: false, fields: null, inputSchema: null };
  const editable = tool.editableOnApproval;
  return {
    allowed: editable !== false,
    fields: Array.isArray(editable) ? [...editable] : null,
    inputSchema: inputSchemaOf(tool),
  };
}
