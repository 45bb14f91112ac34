import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';

/** A key's runtime value as `sysctl -n` reads it, or why it could not be read. */
export type SysctlValue =
  | { status: 'ok'; value: string }
  | { status: 'unknown' }
  | { status: 'error'; message: string };

export const sysctlValue = defineFact<string, SysctlValue>({
  name: 'sysctl.value',
  reads: () => ['/proc/sys'],
  command: (key) => sh`sysctl -n -- ${key}`,
  parse: (result) => parseSysctlRead(result.exitCode, result.stdout, result.stderr),
});

/**
 * procps prints `cannot stat /proc/sys/...` for a key the kernel does not have (exit 1 in 4.x,
 * 255 in 3.3.x); any other failure (a write-only key, permission denied) is kept as an error.
 */
export function parseSysctlRead(exitCode: number, stdout: string, stderr: string): SysctlValue {
  if (exitCode === 0) return { status: 'ok', value: stdout.replace(/\n$/, '') };
  if (/cannot stat|No such file or directory|is an unknown key/i.test(stderr)) return { status: 'unknown' };
  return { status: 'error', message: stderr.trim() || `sysctl exited with ${exitCode}` };
}

/** Multi-field values ("32768 60999") compare equal to the kernel's tab-separated form. */
export function normalizeSysctlValue(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}

const SYSCTL_D = '/etc/sysctl.d';

const keySchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/, 'a sysctl key such as net.ipv4.ip_forward (letters, digits, _ . / -)');
const valueSchema = z
  .union([z.string(), z.number()])
  .refine((v) => String(v).trim().length > 0 && !/[\n\r]/.test(String(v)), 'a non-empty single-line value')
  .transform((v) => normalizeSysctlValue(String(v)));

/** The sysctl task's params as written (an interface, so editors show each field's documentation). */
export interface SysctlInput {
  /** Keys and the values they must have at runtime (and in `file`, when given). */
  values: Record<string, string | number>;
  /** File name under /etc/sysctl.d ('k8s.conf'; '.conf' is added when missing) that persists the values. */
  file?: string | undefined;
}

/** @deprecated The former name of SysctlInput (every module's input type is named `<Module>Input`). */
export type SysctlParams = SysctlInput;

const paramsSchema = z
  .object({
    values: z.record(keySchema, valueSchema).refine((v) => Object.keys(v).length > 0, 'at least one key'),
    file: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/, "a file name under /etc/sysctl.d such as 'k8s.conf' (no slashes)")
      .transform((f) => (f.endsWith('.conf') ? f : `${f}.conf`))
      .optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, SysctlInput> = paramsSchema;

export interface SysctlFacts {
  runtime: Record<string, SysctlValue>;
  file: FileState | null;
}

/** The persisted file: one `key = value` line per key, in the order given. */
export function sysctlFileContent(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} = ${value}\n`)
    .join('');
}

export function sysctlFilePath(file: string): string {
  return `${SYSCTL_D}/${file}`;
}

export type SysctlChange =
  /** One key's runtime value; the keys that differ are written with one `sysctl -w`. */
  | Change<'sysctl.runtime', { key: string; value: string }>
  /** The whole persisted file. */
  | Change<'sysctl.file', { path: string; content: string }>;

/**
 * Kernel parameters: the runtime value of several keys (`sysctl -w` only for the keys that differ)
 * and, optionally, a file in /etc/sysctl.d that persists them across reboots. The file is owned by
 * this task: its content is exactly the given keys.
 */
export const sysctl = defineModule({
  name: 'sysctl',
  params,
  // One round trip for every key and the file (prefetched with the play's other checks).
  facts: (p) => ({
    runtime: Object.fromEntries(Object.keys(p.values).map((key) => [key, sysctlValue(key)])),
    file: p.file ? fileState(sysctlFilePath(p.file)) : null,
  }),
  plan(facts, p): SysctlChange[] {
    const changes: SysctlChange[] = [];
    for (const [key, wanted] of Object.entries(p.values)) {
      const current = facts.runtime[key];
      if (!current || current.status === 'unknown') {
        throw new MeshbookError('BAD_INPUT', `sysctl: unknown key "${key}": the kernel has no /proc/sys/${key.replace(/\./g, '/')}`, {
          hint: 'check the key name, or load the kernel module that provides it first (modprobe)',
        });
      }
      if (current.status === 'error') {
        throw new MeshbookError('MODULE_FAILED', `sysctl: reading "${key}" failed: ${current.message}`);
      }
      const before = normalizeSysctlValue(current.value);
      if (before !== wanted) {
        changes.push({ kind: 'sysctl.runtime', target: key, summary: `${key}: ${before} → ${wanted}`, before, after: wanted, payload: { key, value: wanted } });
      }
    }
    if (p.file) {
      const path = sysctlFilePath(p.file);
      const after = sysctlFileContent(p.values);
      const before = facts.file?.exists ? (facts.file.text ?? '') : null;
      if (facts.file?.exists && facts.file.type !== 'file') {
        throw new MeshbookError('MODULE_FAILED', `sysctl: ${path} exists and is not a regular file`);
      }
      if (before !== after) {
        changes.push({
          kind: 'sysctl.file',
          target: path,
          summary: before === null ? `create ${path}` : `update ${path}`,
          content: { path, before, after },
          payload: { path, content: after },
        });
      }
    }
    return changes;
  },
  // The file (and its directory, made if missing, but not the other files in it) and the kernel's values.
  writes: (changes) => changes.flatMap((c) => (c.kind === 'sysctl.file' ? [c.payload.path, { path: SYSCTL_D, below: false as const }] : ['/proc/sys'])),
  leaves: (p) => ({ existing: p.file ? [sysctlFilePath(p.file)] : [] }),
  async apply(ctx, changes) {
    const writes: string[] = [];
    for (const change of changes) {
      switch (change.kind) {
        case 'sysctl.file':
          await ctx.put(change.payload.path, change.payload.content, { mode: 0o644, keepExisting: true, createParents: true });
          break;
        case 'sysctl.runtime':
          writes.push(`${change.payload.key}=${change.payload.value}`);
          break;
      }
    }
    // Only the keys that differ at runtime are written; a file-only change needs no reload.
    if (writes.length > 0) await ctx.exec(sh`sysctl -q -w -- ${writes}`);
  },
});
