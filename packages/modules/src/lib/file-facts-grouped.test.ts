import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactCache, LocalTransport, planFactBatch, resultsOfGroup, splitGroupResult } from '@meshbook/engine';
import type { CommandResult, FactRequest } from '@meshbook/engine';
import { DIFF_CONTENT_LIMIT, EDIT_CONTENT_LIMIT, fileState } from './file-facts.js';

// The grouped form of file.state, run for real by the controller's /bin/sh against its single
// form: for every kind of path, each path's part of the group prints what its own command prints.

/** dash names the input line in its own errors ("sh: 12: cannot open ..."): where the script sat, not what it read. */
const withoutLineNumbers = (stderr: string) => stderr.replace(/^([^:\n]+): \d+: /gm, '$1: N: ');

/** Each request's own command, and the group's results (split, the shared read put back), raw; `shared`: the shared section's first lines. */
async function singleAndGrouped(requests: FactRequest[]): Promise<{ single: CommandResult[]; grouped: CommandResult[]; planned: number; shared: string[] }> {
  const transport = new LocalTransport();
  const single = await transport.runBatch(requests.map((r) => r.fact.command(r.args)));
  const planned = planFactBatch(requests);
  const results = await transport.runBatch(planned.map((p) => p.command));
  const grouped: CommandResult[] = [];
  const shared: string[] = [];
  planned.forEach((part, i) => {
    const split = resultsOfGroup(part, results[i]!);
    expect(split, 'the group splits whole').toBeDefined();
    part.members.forEach((member, j) => (grouped[member] = split![j]!));
    if (part.markers) shared.push(splitGroupResult(results[i]!, part.markers)!.at(-1)!.stdout.split('\n')[0]!);
  });
  return { single, grouped, planned: planned.length, shared };
}

describe('file.state grouped: the same answer as each path alone', { timeout: 60_000 }, () => {
  let dir: string;
  const paths: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mb-grouped-'));
    const file = async (name: string, content: string | Buffer, mode = 0o644) => {
      await writeFile(join(dir, name), content);
      await chmod(join(dir, name), mode);
      paths.push(join(dir, name));
    };
    await file('text', 'hello\nworld\n');
    await file('empty', '');
    await file('binary', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a]));
    await file('no newline', 'x');
    await file("quote'd \"name\" $(x) `y`;", 'odd');
    await file('new\nline', 'nl');
    await file('-leading-dash', 'dash');
    await file('secret.conf', '[Interface]\nPrivateKey = not-a-real-key\n', 0o600);
    await file('big', 'y'.repeat(5000));
    await file('back\\slash\ttab', 'esc');
    await mkdir(join(dir, 'sub dir'));
    paths.push(join(dir, 'sub dir'), `${join(dir, 'sub dir')}/`);
    await symlink('text', join(dir, 'link'));
    await symlink('sub dir', join(dir, 'dirlink'));
    await symlink('missing', join(dir, 'broken'));
    await symlink(Buffer.from([0x66, 0xff, 0x2f, 0x78]).toString('latin1'), join(dir, 'latin1-link'));
    paths.push(join(dir, 'link'), join(dir, 'dirlink'), join(dir, 'broken'), join(dir, 'latin1-link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    paths.push(join(dir, 'fifo'), join(dir, 'nope'), join(dir, 'text', 'under-a-file'), '', '/', '/dev/null');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints byte for byte what each path alone prints, with its exit code', async () => {
    const requests = paths.map((path) => fileState(path, path.endsWith('big') ? 100 : DIFF_CONTENT_LIMIT));
    const { single, grouped, planned, shared } = await singleAndGrouped(requests);
    expect(planned).toBe(1);
    // The regular files' contents were read together (one cat, one base64, one sha256sum).
    expect(shared).toEqual(['cat']);
    grouped.forEach((result, i) => {
      expect({ path: paths[i], stdout: result.stdout, exitCode: result.exitCode, stderr: withoutLineNumbers(result.stderr) }).toEqual({
        path: paths[i],
        stdout: single[i]!.stdout,
        exitCode: single[i]!.exitCode,
        stderr: withoutLineNumbers(single[i]!.stderr),
      });
    });
    // The matrix reaches every branch of the script.
    const all = single.map((r) => r.stdout).join('');
    for (const key of ['absent', 'link ', 'content ', 'sha256 ', 'stat directory', 'stat fifo', 'stat regular empty file']) expect(all.includes(key), key).toBe(true);
  });

  it('parses to the same states through the cache (a gather of all of them is one command)', async () => {
    const requests = paths.map((path) => fileState(path, EDIT_CONTENT_LIMIT));
    const alone = await Promise.all(requests.map((r) => new FactCache(new LocalTransport()).get(r)));
    const transport = new LocalTransport();
    const together = await new FactCache(transport).gather(Object.fromEntries(requests.map((r, i) => [String(i), r])));
    expect(transport.stats().commands).toBe(1);
    requests.forEach((_, i) => expect(together[String(i)]).toEqual(alone[i]));
  });

  it('one path that fails leaves the others their answers', async () => {
    // /proc/1/mem is a regular file of size 0 that no one reads from offset 0 (EIO as root, EACCES
    // otherwise): its content read fails, exit 3, whoever runs the test.
    const requests = [fileState(join(dir, 'text')), fileState('/proc/1/mem'), fileState(join(dir, 'empty'))];
    const { single, grouped } = await singleAndGrouped(requests);
    expect(single[1]!.exitCode).toBe(3);
    expect(grouped.map((r) => [r.stdout, r.exitCode, withoutLineNumbers(r.stderr)])).toEqual(single.map((r) => [r.stdout, r.exitCode, withoutLineNumbers(r.stderr)]));
    expect(grouped[0]!.stdout).toContain('content aGVsbG8Kd29ybGQK');
  });

  it('two contents are read one base64 each, in the shared section, byte for byte as alone', async () => {
    const requests = [fileState(join(dir, 'binary')), fileState(join(dir, 'sub dir')), fileState(join(dir, 'secret.conf'))];
    const { single, grouped, shared } = await singleAndGrouped(requests);
    expect(shared).toEqual(['each']);
    expect(grouped.map((r) => [r.stdout, r.exitCode, r.stderr])).toEqual(single.map((r) => [r.stdout, r.exitCode, r.stderr]));
  });

  it('refuses the shared read when a cut would not be that file (sizes moved between two files, same total)', async () => {
    const names = ['text', 'binary', 'no newline', 'big', 'secret.conf'];
    const requests = names.map((name) => fileState(join(dir, name)));
    const [part] = planFactBatch(requests);
    const [result] = await new LocalTransport().runBatch([part!.command]);
    const split = splitGroupResult(result!, part!.markers!)!;
    const shared = split.pop()!;
    expect(part!.finish!(split, shared)).toBeDefined();
    // As if 'text' (12 bytes) had grown by one and 'binary' (6) shrunk by one between stat and read.
    const moved = split.map((r) => ({ ...r }));
    moved[0]!.stdout = moved[0]!.stdout.replace('|12|', '|13|');
    moved[1]!.stdout = moved[1]!.stdout.replace('|6|', '|5|');
    expect(moved[0]!.stdout).not.toBe(split[0]!.stdout);
    expect(moved[1]!.stdout).not.toBe(split[1]!.stdout);
    expect(part!.finish!(moved, shared)).toBeUndefined();
    // A total that does not add up, a failed or noisy shared section, a lost `shared` line.
    const grown = split.map((r) => ({ ...r }));
    grown[0]!.stdout = grown[0]!.stdout.replace('|12|', '|13|');
    expect(part!.finish!(grown, shared)).toBeUndefined();
    expect(part!.finish!(split, { ...shared, exitCode: 1 })).toBeUndefined();
    expect(part!.finish!(split, { ...shared, stderr: 'cat: x: changed\n' })).toBeUndefined();
    const lost = split.map((r) => ({ ...r }));
    lost[2]!.stdout = lost[2]!.stdout.replace('shared\n', '');
    expect(part!.finish!(lost, shared)).toBeUndefined();
  });

  it('a file that changes between the stat and the read gives its own command\'s answer, never a wrong cut', async () => {
    const names = ['text', 'binary', 'no newline', 'big', 'secret.conf'];
    const requests = names.map((name) => fileState(join(dir, name)));
    const [part] = planFactBatch(requests);
    // Grow 'text' while the group runs: between its stat and the shared read (the script sleeps there).
    const command = { ...part!.command, text: part!.command.text.replace('set --; for j in $R;', `printf 'hello\\nworld\\n!' > ${JSON.stringify(join(dir, 'text'))}; set --; for j in $R;`) };
    expect(command.text).not.toBe(part!.command.text);
    try {
      const [result] = await new LocalTransport().runBatch([command]);
      expect(resultsOfGroup(part!, result!)).toBeUndefined();
    } finally {
      await writeFile(join(dir, 'text'), 'hello\nworld\n');
    }
  });
});
