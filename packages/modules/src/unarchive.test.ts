import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { parseTarDiff, unarchive } from './unarchive.js';
import { parseFileState } from './lib/file-facts.js';

const SRC = '/usr/local/src/cilium-linux-amd64.tar.gz';
const archive = parseFileState(SRC, `stat regular file|644|root|root|100|0|0\nsha256 ${'c'.repeat(64)}\n`);
const absent = (path: string) => parseFileState(path, 'absent\n');
const base = { src: SRC, dest: '/usr/local/bin' };

describePlanFixtures(
  unarchive,
  [
    {
      name: 'entries missing in dest: extract',
      params: { ...base, include: ['cilium'] },
      facts: { archive, creates: null, comparison: { ok: true, differing: ['cilium'] } },
      changes: [{ kind: 'unarchive.extract', target: '/usr/local/bin', summary: `extract ${SRC} (cilium) into /usr/local/bin: 1 entry differs (cilium)` }],
    },
    { name: 'dest matches the archive: nothing', params: base, facts: { archive, creates: null, comparison: { ok: true, differing: [] } }, changes: [] },
    { name: 'dest missing: extract', params: { ...base, dest: '/opt/x' }, facts: { archive, creates: null, comparison: { ok: true, differing: ['*'] } }, changes: [{ kind: 'unarchive.extract', target: '/opt/x', before: '/opt/x does not exist' }] },
    { name: 'creates exists: nothing', params: { ...base, creates: '/usr/local/bin/cilium' }, facts: { archive, creates: parseFileState('/usr/local/bin/cilium', 'stat regular file|755|root|root|1|0|0\n'), comparison: null }, changes: [] },
    { name: 'creates missing: extract', params: { ...base, creates: '/usr/local/bin/cilium' }, facts: { archive, creates: absent('/usr/local/bin/cilium'), comparison: null }, changes: [{ kind: 'unarchive.extract', target: '/usr/local/bin' }] },
  ],
  [
    { name: 'a relative src', params: { src: 'x.tar.gz', dest: '/tmp' }, error: /unarchive\.src/ },
    { name: 'an include that is an option', params: { ...base, include: ['--to-command=sh'] }, error: /unarchive\.include\[0\]/ },
    { name: 'negative stripComponents', params: { ...base, stripComponents: -1 }, error: /unarchive\.stripComponents/ },
  ],
);

describe('unarchive plan errors and parsing', () => {
  it('a missing archive is a clear error', () => {
    expect(() => unarchive.definition.plan({ archive: absent(SRC), creates: null, comparison: { ok: false, message: 'x' } }, unarchive.parse(base))).toThrow(`archive ${SRC} not found`);
  });
  it('tar --diff: content and presence count, mode/owner/time do not', () => {
    const stdout = './sub/b: Mode differs\n./a: Size differs\n./c: Contents differ\n./d: Uid differs\n./e: Mod time differs\n';
    const stderr = 'tar: ./f: Warning: Cannot stat: No such file or directory\n';
    expect(parseTarDiff(stdout, stderr)).toEqual(['a', 'c', 'f']);
  });
});

// tar --diff and extraction, run for real on the controller in a temp dir.
describe('unarchive on the controller', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtemp, mkdir, readFile, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { LocalTransport } = await import('@meshbook/engine');
  const { afterAll, beforeAll } = await import('vitest');
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mb-unarchive-'));
    await mkdir(join(dir, 'content'));
    await writeFile(join(dir, 'content', 'cilium'), 'v1\n');
    await writeFile(join(dir, 'content', 'README'), 'readme\n');
    execFileSync('tar', ['-czf', join(dir, 'a.tar.gz'), '-C', join(dir, 'content'), 'cilium', 'README']);
    execFileSync('tar', ['-cJf', join(dir, 'a.tar.xz'), '-C', join(dir, 'content'), 'cilium']);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('extracts into a missing dest, then nothing; a changed file is extracted again', async () => {
    const t = new LocalTransport();
    const params = { src: join(dir, 'a.tar.gz'), dest: join(dir, 'bin'), include: ['cilium'] };
    expect((await unarchive.run(t, params)).changed).toBe(true);
    expect(await readFile(join(dir, 'bin', 'cilium'), 'utf8')).toBe('v1\n');
    await expect(readFile(join(dir, 'bin', 'README'))).rejects.toThrow();
    expect((await unarchive.run(t, params)).changed).toBe(false);
    await writeFile(join(dir, 'bin', 'cilium'), 'tampered\n');
    const again = await unarchive.run(t, params, { check: true });
    expect(again.changes[0]?.summary).toContain('1 entry differs (cilium)');
    expect((await unarchive.run(t, params)).changed).toBe(true);
    expect(await readFile(join(dir, 'bin', 'cilium'), 'utf8')).toBe('v1\n');
  });

  it('reads .tar.xz too', async () => {
    const params = { src: join(dir, 'a.tar.xz'), dest: join(dir, 'xz') };
    expect((await unarchive.run(new LocalTransport(), params)).changed).toBe(true);
    expect((await unarchive.run(new LocalTransport(), params)).changed).toBe(false);
  });
});
