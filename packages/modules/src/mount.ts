import { z } from 'zod';
import { MeshbookError, defineFact, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState, EDIT_CONTENT_LIMIT } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';
import type { DocumentedParams } from './lib/documented-params.js';

/** What is mounted at a path now (the topmost mount when several are stacked), or null. */
export interface MountedFilesystem {
  source: string;
  fstype: string;
  options: string;
}

const MOUNTED_FACT = 'mount.mounted';

const mounted = defineFact<string, MountedFilesystem | null>({
  name: MOUNTED_FACT,
  // --mountpoint matches the path exactly (no walking up to the parent's mount); exit 1 = not mounted.
  command: (path) => sh`findmnt -J --mountpoint ${path}`,
  parse: (result, path) => {
    if (result.exitCode === 1 && result.stdout.trim() === '') return null;
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `findmnt ${path} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseFindmnt(result.stdout);
  },
});

export function parseFindmnt(json: string): MountedFilesystem | null {
  const parsed = JSON.parse(json) as { filesystems?: Array<{ source?: string; fstype?: string; options?: string }> };
  const top = parsed.filesystems?.at(-1);
  return top ? { source: top.source ?? '', fstype: top.fstype ?? '', options: top.options ?? '' } : null;
}

/** fstab escapes blanks in fields as octal (\040); the fields are whitespace-separated. */
export function escapeFstabField(value: string): string {
  return value.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/\t/g, '\\011').replace(/\n/g, '\\012');
}

export function unescapeFstabField(value: string): string {
  return value.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export interface FstabEntry {
  src: string;
  path: string;
  fstype: string;
  opts: string;
  dump: number;
  passno: number;
}

export function fstabLine(e: FstabEntry): string {
  return [e.src, e.path, e.fstype, e.opts, String(e.dump), String(e.passno)].map(escapeFstabField).join(' ');
}

/** The index of the (last, as mount(8) uses it) non-comment line whose mount point is `path`. */
export function findFstabLine(lines: readonly string[], path: string): number {
  let found = -1;
  lines.forEach((line, i) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] && !fields[0].startsWith('#') && fields[1] !== undefined && unescapeFstabField(fields[1]) === path) found = i;
  });
  return found;
}

/** Compares fields, not spacing: a hand-aligned line with the same fields is left as it is. */
function sameEntry(line: string, wanted: string): boolean {
  const fields = (l: string) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, 4), f[4] ?? '0', f[5] ?? '0'].join(' ');
  };
  return fields(line) === fields(wanted);
}

const absolutePath = z.string().regex(/^\/[^\n]*$/, 'an absolute path').refine((p) => p === '/' || !p.endsWith('/'), 'no trailing slash');
const field = (what: string) => z.string().min(1).refine((v) => !/\s/.test(v), `${what} without blanks`);

/** The mount task's params as written (an interface, so editors show each field's documentation). */
export interface MountInput {
  /** The mount point, an absolute path. Ansible: path. */
  path: string;
  /** Device, label (LABEL=…), remote share, or a pseudo source such as `bpffs`; required for mounted and present. Ansible: src. */
  src?: string | undefined;
  /** Filesystem type ('ext4', 'bpf', 'nfs'); required for mounted and present. Ansible: fstype. */
  fstype?: string | undefined;
  /** Mount options as fstab takes them ('rw,noatime'). Default 'defaults'. Ansible: opts. */
  opts?: string | undefined;
  /** fstab's dump field. Default 0. Ansible: dump. */
  dump?: number | undefined;
  /** fstab's fsck order, 0 to 2. Default 0. Ansible: passno. */
  passno?: number | undefined;
  /**
   * mounted (default): in fstab and mounted now; present: in fstab only; unmounted: not mounted now
   * (fstab untouched); absent: neither. Ansible: state.
   */
  state?: 'mounted' | 'present' | 'unmounted' | 'absent' | undefined;
  /** The fstab file. Default /etc/fstab. Ansible: fstab. */
  fstab?: string | undefined;
}

const paramsSchema = z
  .object({
    path: absolutePath,
    src: z.string().min(1).optional(),
    fstype: field('fstype').optional(),
    opts: field('opts').default('defaults'),
    dump: z.number().int().min(0).default(0),
    passno: z.number().int().min(0).max(2).default(0),
    state: z.enum(['mounted', 'present', 'unmounted', 'absent']).default('mounted'),
    fstab: absolutePath.default('/etc/fstab'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.state === 'mounted' || p.state === 'present') && (!p.src || !p.fstype)) {
      ctx.addIssue({ code: 'custom', path: [p.src ? 'fstype' : 'src'], message: `required when state is ${p.state}` });
    }
  });
const params: DocumentedParams<typeof paramsSchema, MountInput> = paramsSchema;

type MountParams = z.output<typeof params>;

export interface MountFacts {
  fstab: FileState;
  mounted: MountedFilesystem | null;
}

/** What `mount` runs: the filesystem and where. */
export interface MountSpec {
  path: string;
  src: string;
  fstype: string;
  opts: string;
}

export type MountChange =
  | Change<'mount.fstab', { path: string; content: string }>
  | Change<'mount.mount', MountSpec>
  /** Unmount what is there, then mount. */
  | Change<'mount.remount', MountSpec>
  | Change<'mount.unmount', { path: string }>;

/**
 * A filesystem's /etc/fstab entry and whether it is mounted now. A mount of another source or type
 * at the path is replaced (unmount, mount); mount options are not compared, because the kernel
 * reports them expanded ("defaults" becomes "rw,relatime").
 */
export const mount = defineModule({
  name: 'mount',
  params,
  facts: (p) => ({ fstab: fileState(p.fstab, EDIT_CONTENT_LIMIT), mounted: mounted(p.path) }),
  plan(facts: MountFacts, p): MountChange[] {
    const changes: MountChange[] = [];
    const fstabChange = planFstab(facts.fstab, p);
    if (fstabChange) changes.push(fstabChange);
    const now = facts.mounted;
    if (p.state === 'mounted') {
      const spec: MountSpec = { path: p.path, src: p.src!, fstype: p.fstype!, opts: p.opts };
      if (!now) {
        changes.push({ kind: 'mount.mount', target: p.path, summary: `mount ${p.src} (${p.fstype}) at ${p.path}`, before: 'not mounted', after: `${p.src} ${p.fstype}`, payload: spec });
      } else if (!isBindMount(p.opts) && (now.fstype !== p.fstype || (sourceIsComparable(p.src!) && now.source !== p.src))) {
        changes.push({
          kind: 'mount.remount',
          target: p.path,
          summary: `replace ${now.source} (${now.fstype}) at ${p.path} with ${p.src} (${p.fstype})`,
          before: `${now.source} ${now.fstype}`,
          after: `${p.src} ${p.fstype}`,
          payload: spec,
        });
      }
    } else if ((p.state === 'unmounted' || p.state === 'absent') && now) {
      changes.push({ kind: 'mount.unmount', target: p.path, summary: `unmount ${now.source} from ${p.path}`, before: `${now.source} ${now.fstype}`, after: 'not mounted', payload: { path: p.path } });
    }
    return changes;
  },
  async apply(ctx, changes) {
    // Unmount before the fstab entry goes; write fstab before mounting, so a mount that succeeds is
    // also what the next boot does.
    for (const change of changes) {
      if (change.kind === 'mount.unmount' || change.kind === 'mount.remount') await ctx.exec(sh`umount -- ${change.payload.path}`);
    }
    for (const change of changes) {
      if (change.kind === 'mount.fstab') await ctx.put(change.payload.path, change.payload.content, { mode: 0o644, keepExisting: true });
    }
    for (const change of changes) {
      if (change.kind !== 'mount.mount' && change.kind !== 'mount.remount') continue;
      const { path, src, fstype, opts } = change.payload;
      await ctx.exec(sh`mkdir -p -- ${path} && mount -t ${fstype} -o ${opts} -- ${src} ${path}`);
    }
  },
});

/**
 * findmnt shows a bind mount by the filesystem it exposes (`tmpfs`, source `/dev/sda1[/srv]`), never
 * as `none`/bind, so a bind mount that is there counts as right.
 */
export function isBindMount(opts: string): boolean {
  return opts.split(',').some((o) => o === 'bind' || o === 'rbind');
}

/**
 * Whether findmnt's source can be compared with the wanted one. A pseudo filesystem's source is a
 * free label (bpffs, tmpfs, none), so another label is not another filesystem; LABEL=/UUID= and
 * /dev/disk/* links show up resolved, and comparing them would need blkid. Plain paths and
 * shares (`host:/export`) are compared.
 */
export function sourceIsComparable(src: string): boolean {
  if (/^(LABEL|UUID|PARTUUID|PARTLABEL)=/.test(src) || src.startsWith('/dev/disk/')) return false;
  return src.startsWith('/') || src.includes(':');
}

function planFstab(file: FileState, p: MountParams): MountChange | null {
  if (p.state === 'unmounted') return null;
  if (file.exists && file.text === null) throw new MeshbookError('MODULE_FAILED', `${p.fstab} is not a text file`);
  const before = file.exists ? file.text! : '';
  const lines = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const index = findFstabLine(lines, p.path);
  let after: string[];
  if (p.state === 'absent') {
    if (index < 0) return null;
    after = lines.filter((_, i) => i !== index);
  } else {
    const wanted = fstabLine({ src: p.src!, path: p.path, fstype: p.fstype!, opts: p.opts, dump: p.dump, passno: p.passno });
    if (index >= 0 && sameEntry(lines[index]!, wanted)) return null;
    after = index >= 0 ? lines.map((l, i) => (i === index ? wanted : l)) : [...lines, wanted];
  }
  const text = after.length > 0 ? after.join('\n') + '\n' : '';
  return {
    kind: 'mount.fstab',
    target: p.fstab,
    summary: p.state === 'absent' ? `remove the ${p.path} entry from ${p.fstab}` : `${index >= 0 ? 'update' : 'add'} the ${p.path} entry in ${p.fstab}`,
    content: { path: p.fstab, before: file.exists ? before : null, after: text },
    payload: { path: p.fstab, content: text },
  };
}
