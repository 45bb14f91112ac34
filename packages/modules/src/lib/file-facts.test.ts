import { link, mkdtemp, mkdir, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactCache, LocalTransport } from '@meshbook/engine';
import { fileState, parseFileState, sha256 } from './file-facts.js';
import { fileTree } from './file-tree.js';

// The fact's shell script, run for real on the controller (no host needed).
describe('fileState fact', () => {
  let dir: string;
  const facts = () => new FactCache(new LocalTransport());
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mb-filefacts-'));
    await writeFile(join(dir, 'text'), 'hello\nworld\n');
    await chmod(join(dir, 'text'), 0o640);
    await writeFile(join(dir, 'bin'), Buffer.from([0, 1, 2, 255]));
    await writeFile(join(dir, 'big'), 'x'.repeat(5000));
    await mkdir(join(dir, 'sub dir'));
    await symlink('text', join(dir, 'link'));
    await symlink('missing', join(dir, 'broken'));
    await writeFile(join(dir, "we'ird $(x) `y`;\nname"), 'ok');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a text file: mode, owner, content, sha256', async () => {
    const s = await facts().get(fileState(join(dir, 'text')));
    expect(s).toMatchObject({ exists: true, type: 'file', isLink: false, mode: '0640', size: 12, text: 'hello\nworld\n' });
    expect(s.sha256).toBe(sha256('hello\nworld\n'));
    expect(s.owner).toBeTruthy();
  });

  it('binary content has bytes but no text', async () => {
    const s = await facts().get(fileState(join(dir, 'bin')));
    expect(s.bytes).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(s.text).toBeNull();
  });

  it('above the limit gives sha256 only', async () => {
    const s = await facts().get(fileState(join(dir, 'big'), 100));
    expect(s.bytes).toBeNull();
    expect(s.sha256).toBe(sha256('x'.repeat(5000)));
  });

  it('directories, links, broken links, absent paths, odd names', async () => {
    const all = await facts().gather({
      sub: fileState(join(dir, 'sub dir')),
      link: fileState(join(dir, 'link')),
      broken: fileState(join(dir, 'broken')),
      absent: fileState(join(dir, 'nope')),
      odd: fileState(join(dir, "we'ird $(x) `y`;\nname")),
    });
    expect(all.sub).toMatchObject({ exists: true, type: 'directory' });
    expect(all.link).toMatchObject({ exists: true, type: 'file', isLink: true, linkTarget: 'text', realPath: join(dir, 'text') });
    expect(all.broken).toMatchObject({ exists: false, isLink: true, linkTarget: 'missing', realPath: join(dir, 'missing') });
    expect(all.absent).toMatchObject({ exists: false, isLink: false, type: null, mode: null });
    expect(all.odd).toMatchObject({ exists: true, text: 'ok' });
  });

  it('hard links share an inode; a symlink has its own owner', async () => {
    await link(join(dir, 'text'), join(dir, 'hard'));
    const all = await facts().gather({ text: fileState(join(dir, 'text')), hard: fileState(join(dir, 'hard')), big: fileState(join(dir, 'big')), link: fileState(join(dir, 'link')) });
    expect(all.hard.inode).toMatch(/^\d+:\d+$/);
    expect(all.hard.inode).toBe(all.text.inode);
    expect(all.big.inode).not.toBe(all.text.inode);
    expect(all.text.linkOwner).toBeNull();
    expect(all.link.linkOwner).toEqual({ owner: all.text.owner, group: all.text.group, uid: all.text.uid, gid: all.text.gid });
  });

  it('fileTree lists every entry below, links as links, odd names whole; a missing directory is empty', async () => {
    const tree = await facts().get(fileTree(dir));
    const byName = new Map(tree.map((e) => [e.path.slice(dir.length + 1), e]));
    expect(byName.get('text')).toMatchObject({ type: 'file', mode: '0640' });
    expect(byName.get('sub dir')).toMatchObject({ type: 'directory' });
    expect(byName.get('link')).toMatchObject({ type: 'link' });
    expect(byName.get("we'ird $(x) `y`;\nname")).toMatchObject({ type: 'file' });
    expect(byName.has('')).toBe(false);
    expect(await facts().get(fileTree(join(dir, 'nope')))).toEqual([]);
  });

  it('parses a bind-mounted file (mountpoint) and leaves others unmarked', () => {
    expect(parseFileState('/etc/hosts', 'stat regular file|644|root|root|10|0|0\nmountpoint\ncontent eA==\n')).toMatchObject({ exists: true, mountPoint: true, text: 'x' });
    expect(parseFileState('/etc/x', 'stat regular file|644|root|root|10|0|0\n').mountPoint).toBe(false);
  });
});
