import { z } from 'zod';
import { isStorableText } from './storableJson.js';

/**
 * An id or name as every entry point takes it (actor, conversation, case, policy): trimmed,
 * not empty, at most 256 characters, and text PostgreSQL can store.
 */
export const idSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine(isStorableText, 'contains a NUL character or an unpaired surrogate');
