import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runTool } from './tools.js';

/** One Packages stanza: the deb's control fields plus where it is and its hashes. */
export async function packagesStanza(debPath: string, repositoryRoot: string): Promise<string> {
  const control = (await runTool('dpkg-deb', ['--field', debPath])).trimEnd();
  const bytes = await readFile(debPath);
  const lines = [
    control,
    `Filename: ${relative(repositoryRoot, debPath)}`,
    `Size: ${(await stat(debPath)).size}`,
    `MD5sum: ${createHash('md5').update(bytes).digest('hex')}`,
    `SHA256: ${createHash('sha256').update(bytes).digest('hex')}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes `Packages` and `Packages.gz` in `dir`; returns both paths. */
export async function writePackages(dir: string, stanzas: string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const text = stanzas.join('\n');
  await writeFile(join(dir, 'Packages'), text);
  await writeFile(join(dir, 'Packages.gz'), gzipSync(text, { level: 9 }));
  return [join(dir, 'Packages'), join(dir, 'Packages.gz')];
}

export interface ReleaseFields {
  origin: string;
  label: string;
  suite?: string;
  codename?: string;
  components?: string[];
  description: string;
}

/**
 * The Release file of a repository whose index files are `indexFiles` (paths relative to the
 * Release file's directory, as apt asks for them). Unsigned: the lab signs it at each start.
 */
export async function writeRelease(releaseDir: string, fields: ReleaseFields, indexFiles: string[]): Promise<string> {
  const header: Array<[string, string | undefined]> = [
    ['Origin', fields.origin],
    ['Label', fields.label],
    ['Suite', fields.suite],
    ['Codename', fields.codename],
    ['Date', new Date().toUTCString().replace('GMT', 'UTC')],
    ['Architectures', 'amd64'],
    ['Components', fields.components?.join(' ')],
    ['Description', fields.description],
  ];
  const sums: string[] = [];
  const sha256: string[] = [];
  for (const file of indexFiles) {
    const bytes = await readFile(file);
    const name = relative(releaseDir, file);
    sums.push(` ${createHash('md5').update(bytes).digest('hex')} ${bytes.length} ${name}`);
    sha256.push(` ${createHash('sha256').update(bytes).digest('hex')} ${bytes.length} ${name}`);
  }
  const text = `${header.filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join('\n')}\nMD5Sum:\n${sums.join('\n')}\nSHA256:\n${sha256.join('\n')}\n`;
  const path = join(releaseDir, 'Release');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}
