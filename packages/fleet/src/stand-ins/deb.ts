import { copyFile, chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runTool } from './tools.js';

export interface DebFile {
  /** Absolute path on the host, e.g. /usr/bin/kubectl. */
  path: string;
  /** Copied from this controller file, or written from this text. */
  from?: string;
  text?: string;
  mode: number;
}

export interface DebSpec {
  name: string;
  version: string;
  description: string;
  depends?: string[];
  conflicts?: string[];
  replaces?: string[];
  provides?: string[];
  section?: string;
  homepage?: string;
  files: DebFile[];
  /** Maintainer scripts (postinst, prerm, ...), as shell text. */
  scripts?: Partial<Record<'preinst' | 'postinst' | 'prerm' | 'postrm', string>>;
  /** Paths under /etc that dpkg treats as configuration. */
  conffiles?: string[];
}

const MAINTAINER = 'meshbook lab <lab@stand-ins.meshbook.test>';

export function debFileName(spec: Pick<DebSpec, 'name' | 'version'>): string {
  return `${spec.name}_${spec.version}_amd64.deb`;
}

/**
 * A .deb built with dpkg-deb (files owned by root; gzip -1: the ~100 MB binaries compress about
 * three times faster than at gzip's default for a tenth more bytes, and xz would take minutes).
 * Returns the package's path in `outDir`.
 */
export async function buildDeb(spec: DebSpec, outDir: string): Promise<string> {
  const root = await mkdtemp(join(outDir, `.${spec.name}-`));
  try {
    for (const file of spec.files) {
      const target = join(root, file.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      if (file.from) await copyFile(file.from, target);
      else await writeFile(target, file.text ?? '');
      await chmod(target, file.mode);
    }
    await mkdir(join(root, 'DEBIAN'), { mode: 0o755 });
    await writeFile(join(root, 'DEBIAN/control'), controlText(spec, await installedSizeKb(root)));
    for (const [name, text] of Object.entries(spec.scripts ?? {})) {
      await writeFile(join(root, 'DEBIAN', name), text, { mode: 0o755 });
    }
    if (spec.conffiles?.length) await writeFile(join(root, 'DEBIAN/conffiles'), `${spec.conffiles.join('\n')}\n`);
    const out = join(outDir, debFileName(spec));
    await runTool('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', root, out]);
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function controlText(spec: DebSpec, installedSize: number): string {
  const fields: Array<[string, string | undefined]> = [
    ['Package', spec.name],
    ['Version', spec.version],
    ['Architecture', 'amd64'],
    ['Maintainer', MAINTAINER],
    ['Installed-Size', String(installedSize)],
    ['Depends', spec.depends?.join(', ')],
    ['Conflicts', spec.conflicts?.join(', ')],
    ['Replaces', spec.replaces?.join(', ')],
    ['Provides', spec.provides?.join(', ')],
    ['Section', spec.section ?? 'admin'],
    ['Priority', 'optional'],
    ['Homepage', spec.homepage],
    ['Description', spec.description.replace(/\n/g, '\n ')],
  ];
  return `${fields.filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
}

async function installedSizeKb(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return Math.ceil(bytes / 1024);
}
