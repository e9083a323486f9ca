/** The longest case id, in characters (code points): `governance_cases.id` is `varchar(200)`. */
export const MAX_CASE_ID_CHARACTERS = 200;

// Control, format (zero-width, bidi), surrogate, private-use and unassigned code points,
// line and paragraph separators, default-ignorable ones (soft hyphen, variation selectors,
// fillers) and every space but the ASCII one: none of them shows, or shows as itself.
const HIDDEN = /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]|[^\P{Zs} ]/u;

/**
 * What is wrong with `id` as a case id, or null when it is one: 1–200 printable characters,
 * no control or invisible character, and no space at either end (where it would not show).
 * Cases are keyed by it exactly as given: never trimmed or normalised.
 */
export function caseIdProblem(id: string): string | null {
  if (id === '') return 'a case id is at least 1 character';
  if ([...id].length > MAX_CASE_ID_CHARACTERS)
    return `a case id is at most ${MAX_CASE_ID_CHARACTERS} characters`;
  if (HIDDEN.test(id)) return 'a case id has no control or invisible characters';
  if (id.trim() !== id) return 'a case id does not start or end with a space';
  return null;
}

/** True when `id` can be a case's id; anything else cannot exist, so no query is needed. */
export function isCaseId(id: unknown): id is string {
  return typeof id === 'string' && caseIdProblem(id) === null;
}
