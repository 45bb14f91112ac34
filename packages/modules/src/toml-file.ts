import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { z } from 'zod';
import { MeshbookError, argv, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import type { DocumentedParams } from './lib/documented-params.js';

type TomlTable = Record<string, unknown>;

interface ExistingFile {
  /** Octal mode as stat prints it, e.g. '600'. */
  mode: string;
  uid: string;
  gid: string;
  text: string;
}

interface BaseFailure {
  error: string;
  /** The base command is not installed (exit 127): on a fresh host an earlier task installs it. */
  missing?: boolean;
}

interface TomlFacts {
  /** The file as it is, or null when absent. */
  file: ExistingFile | null;
  /** The base command's stdout (e.g. `containerd config default`), when one is given. */
  base: { text: string } | BaseFailure | null | undefined;
}

/** The whole file, written with its mode and (an existing file's) owner; or only a new mode. */
type TomlChange =
  | Change<'toml_file.content', { path: string; content: string; mode: number; owner?: { uid: string; gid: string } }>
  | Change<'toml_file.mode', { path: string; mode: number }>
  /** The base command is not installed yet (check mode before its package task ran). */
  | Change<'toml_file.base_missing', { base: string }>;

const fileFact = defineFact<string, ExistingFile | null>({
  name: 'toml_file.file',
  // The first line is stat's; everything after it is the file's bytes as they are. No marker in
  // the text: a file may hold any line.
  command: (path) => sh`test -f ${path} || exit 2; stat -c '%a %u %g' -- ${path} && cat -- ${path}`,
  parse: (result, path) => {
    if (result.exitCode === 2) return null;
    const lineEnd = result.stdout.indexOf('\n');
    if (result.exitCode !== 0 || lineEnd < 0) throw new MeshbookError('MODULE_FAILED', `cannot read ${path}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
    const [mode = '', uid = '', gid = ''] = result.stdout.slice(0, lineEnd).split(' ');
    return { mode, uid, gid, text: result.stdout.slice(lineEnd + 1) };
  },
});

const baseFact = defineFact<string[], { text: string } | BaseFailure>({
  name: 'toml_file.base',
  // stdout only is the document; stderr (warnings) is kept apart by the transport's framing.
  command: (baseCommand) => argv(...baseCommand),
  parse: (result) =>
    result.exitCode === 0
      ? { text: result.stdout }
      : { error: `exit code ${result.exitCode}: ${(result.stderr.trim() || result.stdout.trim()).slice(-500)}`, missing: result.exitCode === 127 },
});

const keyPath = z.array(z.string().min(1)).min(1);
/** A value as TOML holds it: a string, number, boolean, array or table. */
export type TomlValue = string | number | boolean | unknown[] | { [key: string]: unknown };
const tomlValue: z.ZodType<TomlValue, TomlValue> = z.union([z.string(), z.number(), z.boolean(), z.array(z.any()), z.record(z.string(), z.any())]);

/** One key set on the document. */
export interface TomlSettingInput {
  /** The key as path segments, so dotted table names stay whole: ['plugins', 'io.containerd.grpc.v1.cri', 'sandbox_image']. */
  key: string[];
  /** Its value; a table replaces the whole table at that key. */
  value: TomlValue;
}

/** The tomlFile task's params as written (an interface, so editors show each field's documentation). */
export interface TomlFileInput {
  /** The file on the host, an absolute path. */
  path: string;
  /** argv whose stdout is the base document (['containerd', 'config', 'default']); without it the existing file is the base. */
  baseCommand?: string[] | undefined;
  /** The keys to set, at least one; every other key of the base document is kept. */
  settings: TomlSettingInput[];
  /** Octal mode ('0644'); default: the existing file's mode (its owner is always kept), or 0644 for a new file. */
  mode?: string | undefined;
}

const paramsSchema = z
  .object({
    path: z.string().startsWith('/', 'an absolute path'),
    baseCommand: z.array(z.string()).min(1).optional(),
    settings: z.array(z.object({ key: keyPath, value: tomlValue }).strict()).min(1),
    mode: z.string().regex(/^0?[0-7]{3,4}$/, "an octal mode such as '0644'").optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, TomlFileInput> = paramsSchema;

/**
 * A TOML file edited through a parser, never with sed: the listed keys are set on the base document
 * (the existing file, or a base command's output such as `containerd config default`), and the file
 * is written only when the result differs semantically from what is there, so formatting alone
 * never reports a change.
 */
export const tomlFile = defineModule({
  name: 'tomlFile',
  params,
  // Two facts, one round trip: the file and the base command, each framed apart by the transport.
  facts: (params) => ({ file: fileFact(params.path), base: params.baseCommand ? baseFact(params.baseCommand) : null }),
  plan(facts: TomlFacts, params): TomlChange[] {
    if (facts.base && 'error' in facts.base && facts.base.missing) {
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
    if (facts.base && 'error' in facts.base) {
      throw new MeshbookError('MODULE_FAILED', `base command ${params.baseCommand?.join(' ')} failed (${facts.base.error})`);
    }
    const currentText = facts.file?.text ?? null;
    const baseText = (facts.base && 'text' in facts.base ? facts.base.text : null) ?? currentText ?? '';
    const desired = applySettings(parseOrThrow(baseText, params.baseCommand ? 'base command output' : params.path), params.settings);
    const current = currentText === null ? null : safeParse(currentText);
    // An existing file keeps its owner, and its mode unless one is given.
    const mode = parseInt(params.mode ?? facts.file?.mode ?? '0644', 8);
    if (current === null || canonical(current) !== canonical(desired)) {
      const after = endWithNewline(stringifyToml(desired));
      const owner = facts.file ? { owner: { uid: facts.file.uid, gid: facts.file.gid } } : {};
      return [
        {
          kind: 'toml_file.content',
          target: params.path,
          summary: currentText === null ? 'create' : `set ${params.settings.map((s) => s.key.join('.')).join(', ')}`,
          content: { path: params.path, before: currentText, after },
          payload: { path: params.path, content: after, mode, ...owner },
        },
      ];
    }
    if (params.mode !== undefined && facts.file && parseInt(facts.file.mode, 8) !== mode) {
      return [{ kind: 'toml_file.mode', target: params.path, summary: `mode ${facts.file.mode} → ${params.mode}`, payload: { path: params.path, mode } }];
    }
    return [];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      if (change.kind === 'toml_file.base_missing') {
        throw new MeshbookError('MODULE_FAILED', `base command \`${change.payload.base}\` is not installed on ${ctx.host}`, {
          hint: 'install the package that provides it in an earlier task',
        });
      }
      if (change.kind === 'toml_file.mode') {
        await ctx.exec(sh`chmod ${change.payload.mode.toString(8)} -- ${change.payload.path}`);
        continue;
      }
      const { payload } = change;
      await ctx.exec(sh`mkdir -p -- "$(dirname -- ${payload.path})"`);
      await ctx.put(payload.path, payload.content, { mode: payload.mode, ...(payload.owner ? { owner: payload.owner.uid, group: payload.owner.gid } : {}) });
    }
  },
  invalidates: [fileFact],
});

function endWithNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

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
