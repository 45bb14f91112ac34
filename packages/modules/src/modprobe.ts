import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';

/**
 * Where a kernel module stands on a host:
 * - `loaded`: a loadable module that is in the kernel now (/proc/modules, /sys/module/NAME/initstate);
 * - `builtin`: compiled into the kernel (modules.builtin, a /sys/module/NAME directory without
 *   initstate, or a witness path for built-ins that leave no /sys/module entry);
 * - `loadable`: not in the kernel, but modinfo finds it, so modprobe can load it;
 * - `missing`: none of the above.
 */
export type ModuleStatus = 'loaded' | 'builtin' | 'loadable' | 'missing';

/**
 * A built-in module gets a /sys/module/NAME directory only when it has parameters or a version, so
 * some built-ins (br_netfilter) leave no trace there; on a kernel without module support (no
 * /proc/modules, no /lib/modules) the interface they register is the only evidence left.
 */
export const BUILTIN_WITNESS: Readonly<Record<string, string>> = {
  br_netfilter: '/proc/sys/net/bridge',
  ip_vs: '/proc/sys/net/ipv4/vs',
  nf_conntrack: '/proc/sys/net/netfilter/nf_conntrack_max',
};

// Prints the evidence word that decides (moduleStatusFromEvidence ranks them), cheapest test
// first, and stops there: a loaded module costs no process. `$n` is the name with '-' as '_', the
// way /proc/modules and /sys/module spell it; modules.builtin keeps the file's spelling, so both
// match. The release is read from /proc (the same string as `uname -r`), uname only without it.
const STATUS_SCRIPT = `
if [ -e "/sys/module/$n/initstate" ]; then echo initstate
elif [ -r /proc/modules ] && grep -q "^$n " /proc/modules; then echo proc-modules
elif [ -d "/sys/module/$n" ]; then echo sysfs
elif [ -n "$w" ] && [ -e "$w" ]; then echo witness
else
  { read -r r </proc/sys/kernel/osrelease; } 2>/dev/null || r=$(uname -r)
  b="/lib/modules/$r/modules.builtin"
  if [ -r "$b" ] && sed 's#.*/##; s#\\.ko.*$##; y/-/_/' "$b" | grep -qx "$n"; then echo modules-builtin
  elif modinfo -F filename -- "$n" >/dev/null 2>&1; then echo modinfo; fi
fi
true`;

const moduleStatus = defineFact<string, ModuleStatus>({
  name: 'modprobe.status',
  // The running kernel's modules (the builtin list and modinfo change only with packages: unknown writes).
  reads: () => ['/proc/modules', '/sys/module'],
  command: (name) => sh`n=${name}; w=${BUILTIN_WITNESS[name] ?? ''};${sh.raw(STATUS_SCRIPT)}`,
  parse: (result, name) => {
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `checking kernel module ${name} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return moduleStatusFromEvidence(result.stdout.split('\n').filter(Boolean));
  },
});

export function moduleStatusFromEvidence(evidence: readonly string[]): ModuleStatus {
  const has = (word: string) => evidence.includes(word);
  if (has('proc-modules') || has('initstate')) return 'loaded';
  if (has('sysfs') || has('modules-builtin') || has('witness')) return 'builtin';
  if (has('modinfo')) return 'loadable';
  return 'missing';
}

/** /proc/modules and /sys/module spell names with '_'; modprobe accepts either. */
export function normalizeModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

const MODULES_LOAD_D = '/etc/modules-load.d';

const moduleName = z.string().regex(/^[A-Za-z0-9_-]+$/, 'a kernel module name such as br_netfilter');

/** The modprobe task's params as written (an interface, so editors show each field's documentation). */
export interface ModprobeInput {
  /** One module or several; all must end up in the kernel. */
  name: string | string[];
  /** File name under /etc/modules-load.d ('k8s.conf'; '.conf' is added when missing) listing the modules for boot. */
  persist?: string | undefined;
}

const paramsSchema = z
  .object({
    name: z.union([moduleName, z.array(moduleName).min(1)]).transform((n) => (Array.isArray(n) ? n : [n])),
    persist: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/, "a file name under /etc/modules-load.d such as 'k8s.conf' (no slashes)")
      .transform((f) => (f.endsWith('.conf') ? f : `${f}.conf`))
      .optional(),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, ModprobeInput> = paramsSchema;

export interface ModprobeFacts {
  status: Record<string, ModuleStatus>;
  persist: FileState | null;
}

export type ModprobeChange =
  /** Loaded with one `modprobe -a` for all. */
  | Change<'modprobe.load', { module: string }>
  | Change<'modprobe.persist', { path: string; content: string }>;

/** The persisted file: one module per line, as named in the task. */
export function modulesLoadContent(names: readonly string[]): string {
  return names.map((n) => `${n}\n`).join('');
}

/**
 * Kernel modules in the running kernel (modprobe when loadable and not loaded; built-ins count as
 * present) and, optionally, listed in /etc/modules-load.d for boot. A module that is neither
 * loaded, built in nor known to modinfo is an error, in check mode too.
 */
export const modprobe = defineModule({
  name: 'modprobe',
  params,
  // One round trip for every module and the file (prefetched with the play's other checks).
  facts: (p) => ({
    status: Object.fromEntries(p.name.map(normalizeModuleName).map((n) => [n, moduleStatus(n)])),
    persist: p.persist ? fileState(`${MODULES_LOAD_D}/${p.persist}`) : null,
  }),
  plan(facts, p): ModprobeChange[] {
    const changes: ModprobeChange[] = [];
    for (const name of p.name) {
      const normalized = normalizeModuleName(name);
      const status = facts.status[normalized] ?? 'missing';
      if (status === 'missing') {
        throw new MeshbookError(
          'MODULE_FAILED',
          `kernel module "${name}" not found: not loaded, not built into the running kernel, and modinfo does not know it`,
          { hint: 'check the name, or install the package that ships the module for this kernel' },
        );
      }
      if (status === 'loadable') {
        changes.push({ kind: 'modprobe.load', target: normalized, summary: `load kernel module ${normalized}`, before: 'not loaded', after: 'loaded', payload: { module: normalized } });
      }
    }
    if (p.persist) {
      const path = `${MODULES_LOAD_D}/${p.persist}`;
      const after = modulesLoadContent(p.name);
      const before = facts.persist?.exists ? (facts.persist.text ?? '') : null;
      if (before !== after) {
        changes.push({ kind: 'modprobe.persist', target: path, summary: before === null ? `create ${path}` : `update ${path}`, content: { path, before, after }, payload: { path, content: after } });
      }
    }
    return changes;
  },
  // A loaded module adds to the kernel's state under /proc and /sys (br_netfilter's sysctls); the
  // file, and its directory (made if missing) but not the other files in it.
  writes: (changes) => changes.flatMap((c) => (c.kind === 'modprobe.load' ? ['/proc', '/sys'] : [c.payload.path, { path: MODULES_LOAD_D, below: false as const }])),
  leaves: (p) => ({ existing: p.persist ? [`${MODULES_LOAD_D}/${p.persist}`] : [] }),
  async apply(ctx, changes) {
    const loads: string[] = [];
    const files: Array<{ path: string; content: string }> = [];
    for (const change of changes) {
      if (change.kind === 'modprobe.load') loads.push(change.payload.module);
      else files.push(change.payload);
    }
    if (loads.length > 0) await ctx.exec(sh`modprobe -a -- ${loads}`);
    for (const file of files) {
      await ctx.put(file.path, file.content, { mode: 0o644, keepExisting: true, createParents: true });
    }
  },
});
