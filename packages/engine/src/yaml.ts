// The YAML parser for the modules and the CLI too: the bundles inline their dependencies, and this
// keeps one copy of the parser per program instead of one per package. Own signatures, so the
// published declarations do not refer to `yaml` (inlined, not installed with the engine).
import { parse, stringify } from 'yaml';

/** One YAML document's text as plain values (YAML 1.2); throws the parser's error on bad YAML. */
export function parseYaml(text: string): unknown {
  return parse(text) as unknown;
}

/** A plain value as YAML text; `lineWidth: 0` never folds long strings. */
export function stringifyYaml(value: unknown, options?: { lineWidth?: number }): string {
  return stringify(value, options);
}
