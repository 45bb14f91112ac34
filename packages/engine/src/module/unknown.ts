/**
 * A value that exists only after apply (a key generated on a host, a join command minted on
 * another): what a registered output is in check mode when its task would change something.
 *
 * The engine deals with it at the params boundary, as Pulumi does with unknown outputs: a module's
 * params schema never mentions it and its apply never sees it. In check mode a task whose params
 * hold one is planned with the value shown as its text (or, when the schema cannot take that text,
 * reported as one planned change); outside check mode it is an error naming the value. Reading
 * one with `host.output(ref)` throws it, so a params function needs no check of its own.
 */
export class KnownAfterApply {
  constructor(readonly description: string) {}
  toString(): string {
    return `(known after apply: ${this.description})`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/**
 * Raw params with every KnownAfterApply (in plain objects and arrays) replaced by its text, and
 * the values found. The same object comes back when there is none.
 */
export function showKnownAfterApply(raw: unknown): { shown: unknown; found: KnownAfterApply[] } {
  const found: KnownAfterApply[] = [];
  const walk = (value: unknown): unknown => {
    if (value instanceof KnownAfterApply) {
      found.push(value);
      return value.toString();
    }
    if (Array.isArray(value)) {
      const items = value.map(walk);
      return items.some((item, i) => item !== value[i]) ? items : value;
    }
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const entries = Object.entries(value).map(([k, v]) => [k, walk(v)] as const);
      return entries.some(([k, v]) => v !== (value as Record<string, unknown>)[k]) ? Object.fromEntries(entries) : value;
    }
    return value;
  };
  const shown = walk(raw);
  return { shown, found };
}
