/**
 * Makes terminal control characters visible, so text from a host (stderr, progress lines, a lock
 * holder, stray output) cannot move the cursor, retitle the window or hide lines when printed:
 * C0 controls, DEL and C1 controls (0x9b is a one-byte CSI) become `\xNN`. Newlines and tabs stay
 * unless `keepLayout` is false. A backslash is left as it is: the result is for reading, not parsing.
 */
export function escapeControl(text: string, keepLayout = true): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (keepLayout && (c === '\n' || c === '\t')) return c;
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** A copy of a plain value (an event) with every string escaped by escapeControl. */
export function escapeControlDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map((v) => escapeControlDeep(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = escapeControlDeep(v);
  return out as T;
}
