/**
 * A YAML file whose text is a JSON object, parsed as JSON: what YAML would give for it, at a
 * fraction of the YAML parser's cost (a JSON inventory is what generators and the bench write).
 * Ansible reads such files the same way (its loader tries JSON first). Undefined for anything else,
 * which the YAML parser then reads, reports with line and column, or rejects: text that is not a
 * JSON object, and a JSON object with a key twice in one object (YAML's duplicate-key error).
 */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | undefined {
  if (!LOOKS_LIKE_OBJECT.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return keysInText(text) === keysInValue(value) ? { value: value as Record<string, unknown> } : undefined;
}

const LOOKS_LIKE_OBJECT = /^\s*\{/;

/**
 * The keys the text spells out: each string token, in order, followed by a colon. Outside strings
 * valid JSON has no quote, so matching whole strings from the start keeps in step with the tokens.
 */
function keysInText(text: string): number {
  let keys = 0;
  for (const match of text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)) if (match[1] !== undefined) keys += 1;
  return keys;
}

/** The keys of every object in a parsed JSON value: fewer than keysInText when a key repeats. */
function keysInValue(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + keysInValue(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  let keys = 0;
  for (const inner of Object.values(value)) keys += 1 + keysInValue(inner);
  return keys;
}
