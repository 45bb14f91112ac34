import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { z } from 'zod';
import { MeshbookError, argv, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';

type TomlTable = Record<string, unknown>;

interface TomlFacts {
  /** Current file text, or null when absent. */
  current: string | null;
  /** Output of the base command (e.g. `containerd config default`), when one is given. */
  base: string | null;
  baseError: string | null;
  /** The base command is not installed (exit 127): on a fresh host an earlier task installs it. */
  baseMissing?: boolean;
}

/** The whole file, written; mode as a number. */
type TomlChange =
  | Change<'toml_file.content', { path: string; content: string; mode: number }>
  /** The base command is not installed yet (check mode before its package task ran). */
  | Change<'toml_file.base_missing', { base: string }>;

const tomlFact = defineFact<{ path: string; baseCommand?: string[] }, TomlFacts>({
  name: 'toml_file.state',
  // One round trip: the file (framed so an absent file differs from an empty one) and the base.
  command: ({ path, baseCommand }) => {
    const base = baseCommand ? sh`echo ===base; ${argv(...baseCommand)} 2>&1 || echo "===base-failed $?"` : sh``;
    return sh`if test -f ${path}; then echo ===file; cat -- ${path}; echo; fi; ${base}`;
  },
  parse: (result) => {
    const text = result.stdout;
    const fileAt = text.startsWith('===file\n') ? 8 : -1;
    const baseAt = text.indexOf('===base\n');
    const current = fileAt < 0 ? null : text.slice(fileAt, baseAt < 0 ? undefined : baseAt).replace(/\n$/, '');
    let base: string | null = null;
    let baseError: string | null = null;
    let baseMissing = false;
    if (baseAt >= 0) {
      const out = text.slice(baseAt + 8);
      const failed = out.match(/===base-failed (\d+)\n?$/);
      if (failed) baseError = `exit code ${failed[1]}: ${out.slice(0, failed.index).trim().slice(-500)}`;
      else base = out;
      baseMissing = failed?.[1] === '127';
    }
    return { current, base, baseError, baseMissing };
  },
});

const keyPath = z.array(z.string().min(1)).min(1);
const tomlValue: z.ZodType<unknown> = z.union([z.string(), z.number(), z.boolean(), z.array(z.any()), z.record(z.string(), z.any())]);

/**
 * A TOML file edited through a parser, never with sed: the listed keys are set on the base document
 * (the existing file, or a base command's output such as `containerd config default`), and the file
 * is written only when the result differs semantically from what is there, so formatting alone
 * never reports a change.
 */
export const tomlFile = defineModule({
  name: 'toml_file',
  params: z
    .object({
      path: z.string().startsWith('/', 'an absolute path'),
      /** argv whose stdout is the base document; without it the existing file is the base. */
      baseCommand: z.array(z.string()).min(1).optional(),
      /** Keys as path segments, so dotted table names such as "io.containerd.grpc.v1.cri" stay whole. */
      settings: z.array(z.object({ key: keyPath, value: tomlValue }).strict()).min(1),
      mode: z.string().regex(/^0?[0-7]{3,4}$/, "an octal mode such as '0644'").default('0644'),
    })
    .strict(),
  facts: (params) => tomlFact({ path: params.path, ...(params.baseCommand ? { baseCommand: params.baseCommand } : {}) }),
  plan(facts, params): TomlChange[] {
    if (facts.baseMissing) {
      // Check mode on a fresh host: the package task before this one is only planned, so the
      // file's content is known after apply. On a real run the install has happened by now (its
      // change dropped the cached facts); if the command is still missing, apply says so.
      const base = params.baseCommand?.join(' ') ?? '';
      return [
        {
          kind: 'toml_file.base_missing',
          target: params.path,
          summary: `write ${params.path} from \`${base}\` (known after apply: not installed yet)`,
          payload: { base },
        },
      ];
    }
    if (facts.baseError) {
      throw new MeshbookError('MODULE_FAILED', `base command ${params.baseCommand?.join(' ')} failed (${facts.baseError})`);
    }
    const baseText = facts.base ?? facts.current ?? '';
    const desired = applySettings(parseOrThrow(baseText, params.baseCommand ? 'base command output' : params.path), params.settings);
    const current = facts.current === null ? null : safeParse(facts.current);
    if (current !== null && canonical(current) === canonical(desired)) return [];
    const after = stringifyToml(desired) + '\n';
    return [
      {
        kind: 'toml_file.content',
        target: params.path,
        summary: facts.current === null ? 'create' : `set ${params.settings.map((s) => s.key.join('.')).join(', ')}`,
        content: { path: params.path, before: facts.current, after },
        payload: { path: params.path, content: after, mode: parseInt(params.mode, 8) },
      },
    ];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      if (change.kind === 'toml_file.base_missing') {
        throw new MeshbookError('MODULE_FAILED', `base command \`${change.payload.base}\` is not installed on ${ctx.host}`, {
          hint: 'install the package that provides it in an earlier task',
        });
      }
      const { payload } = change;
      await ctx.exec(sh`mkdir -p -- "$(dirname -- ${payload.path})"`);
      await ctx.put(payload.path, payload.content, { mode: payload.mode });
    }
  },
  invalidates: [tomlFact],
});

function parseOrThrow(text: string, what: string): TomlTable {
  try {
    return parseToml(text) as TomlTable;
  } catch (error) {
    throw new MeshbookError('MODULE_FAILED', `${what} is not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
}

function safeParse(text: string): TomlTable | null {
  try {
    return parseToml(text) as TomlTable;
  } catch {
    return null; // an unparsable file is simply replaced
  }
}

function applySettings(document: TomlTable, settings: ReadonlyArray<{ key: string[]; value: unknown }>): TomlTable {
  const copy = structuredClone(document);
  for (const { key, value } of settings) {
    let table: TomlTable = copy;
    for (const segment of key.slice(0, -1)) {
      const next = table[segment];
      if (next === undefined) table[segment] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new MeshbookError('BAD_INPUT', `cannot set ${key.join('.')}: ${segment} is not a table`);
      }
      table = table[segment] as TomlTable;
    }
    table[key.at(-1)!] = value;
  }
  return copy;
}

/** Key-order-independent JSON, so two layouts of the same document compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
