/**
 * Makes zod check objects with its interpreted parser in this process (zod's `jitless` setting),
 * before any schema exists: the CLI's bin calls it before it loads the engine.
 *
 * Why: by default zod compiles a parser for each object schema (`new Function`) the first time
 * the schema parses. That pays off over thousands of parses of one schema; a meshbook run parses
 * each schema a few times (per task and host), so compiling cost more CPU than it saved. Both
 * parsers give the same values and the same issues, in the same order (zod's design: the compiled
 * one is only a fast path of the other).
 *
 * zod reads the setting when each object schema is built, so `z.config({ jitless: true })` after
 * the engine loaded would leave the engine's own schemas compiled. zod keeps its settings in one
 * object on `globalThis` (shared by every copy of zod in the process, as `z.config()` returns it);
 * setting it there first is what `z.config` would do, earlier. Only the CLI process does this: a
 * program that uses the engine as a library keeps its zod as it configured it.
 */
export function useInterpretedZodParsers(): void {
  const holder = globalThis as { __zod_globalConfig?: Record<string, unknown> };
  holder.__zod_globalConfig ??= {};
  holder.__zod_globalConfig['jitless'] = true;
}
