/** How a change is shown: in check mode, in `--diff`, in events. Never read by apply. */
export interface ChangeDisplay {
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

/**
 * A planned change: data, not a flag. `changed` is always `changes.length > 0`, and diff output is
 * rendered from the display fields, so what check mode reports is exactly what apply does.
 *
 * `kind` (`<module>.<what>`: 'file.content', 'sysctl.runtime') discriminates `payload`: what apply
 * needs to carry the change out, typed per kind. Apply switches on the kind and reads the payload
 * only: never the display fields, never params again.
 */
export type Change<K extends string = string, D = unknown> = ChangeDisplay & { kind: K; payload: D };

/** Any change (what the engine handles without knowing the module). */
export type AnyChange = Change<string, unknown>;
