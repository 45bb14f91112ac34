/**
 * A planned change: data, not a flag. `changed` is always `changes.length > 0`, and diff output is
 * rendered from these records, so what check mode reports is exactly what apply does.
 */
export interface Change {
  /** Machine-readable kind, `<module>.<what>`: 'file.content', 'sysctl.runtime', 'apt.install'. */
  kind: string;
  /** What the change is about: a path, a key, a package, a unit. */
  target: string;
  /** One human line: "net.ipv4.ip_forward: 0 → 1". Must never contain a secret's text. */
  summary: string;
  /** Short values for the diff (`- before` / `+ after`); masked when `sensitive`. */
  before?: string | null;
  after?: string | null;
  /** Whole-file content change, rendered as a unified diff. */
  content?: { path: string; before: string | null; after: string };
  /** Before/after or content is secret: diffs show *** instead. */
  sensitive?: boolean;
}
