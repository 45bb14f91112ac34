import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseModuleArgs } from './ad-hoc-args.js';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

/** The tiny inventory: every host is the controller itself (local connection). */
const fixtures = fileURLToPath(new URL('./__fixtures__/tiny/', import.meta.url));
/** ansible-vault's own output, kept with the engine's vault tests: db_password decrypts to s3cret-token. */
const vaultFixtures = fileURLToPath(new URL('../../engine/src/vault/__fixtures__/', import.meta.url));

async function cli(...argv: string[]) {
  return cliIn(fixtures, ...argv);
}

async function cliIn(cwd: string, ...argv: string[]) {
  const io = testIo(cwd);
  const code = await main(argv, io);
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}

describe('meshbook exec (ad-hoc)', () => {
  it('runs a command after -- on the pattern\'s hosts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-exec-'));
    const { code, stderr } = await cli('exec', 'web1', '-i', 'hosts.yaml', '--', 'touch', join(dir, 'ran'));
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    expect((await stat(join(dir, 'ran'))).isFile()).toBe(true);
  });

  it('runs any module with -m and -a key=value; --check changes nothing, then a run does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-exec-'));
    const dest = join(dir, 'motd');
    const args = `dest=${dest} content="hello world"`;
    expect((await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'copy', '-a', args, '--check')).code).toBe(EXIT.OK);
    await expect(stat(dest)).rejects.toThrow();
    expect((await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'copy', '-a', args)).code).toBe(EXIT.OK);
    expect(await readFile(dest, 'utf8')).toBe('hello world');
  });

  it('takes a collection-prefixed module name, and gives a value JSON would misread as the text its field declares', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-exec-'));
    const dest = join(dir, 'flag');
    // content is a string field: `true` and `3` stay the text written, as Ansible converts to the declared type.
    expect((await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'ansible.builtin.copy', '-a', `dest=${dest} content=true`)).code).toBe(EXIT.OK);
    expect(await readFile(dest, 'utf8')).toBe('true');
    expect((await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'community.general.copy', '-a', `dest=${dest} content=3`)).code).toBe(EXIT.OK);
    expect(await readFile(dest, 'utf8')).toBe('3');
  });

  it("validates -a with the module's schema, naming the field", async () => {
    const { code, stderr } = await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'copy', '-a', 'dest=relative/path content=x');
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toContain('dest');
  });

  it('an unknown module lists the known ones', async () => {
    const { code, stderr } = await cli('exec', 'all', '-i', 'hosts.yaml', '-m', 'nosuch', '-a', 'x=1');
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(stderr).toMatch(/no module named "nosuch"[\s\S]*apt/);
  });

  it("prints each host's command output as Ansible's ad-hoc mode does: rc and stdout", async () => {
    const { code, stdout, stderr } = await cli('exec', 'web', '-i', 'hosts.yaml', '--', 'echo', 'hi');
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('web1 | CHANGED | rc=0 >>\nhi\n');
    expect(stdout).toContain('web2 | CHANGED | rc=0 >>\nhi\n');
  });

  it('shows a failing command\'s rc, stdout and stderr, and exits as a failed host', async () => {
    const { code, stdout } = await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'shell', '-a', 'echo out-line; echo err-line >&2; exit 3');
    expect(code).toBe(EXIT.HOST_FAILED);
    expect(stdout).toContain('web1 | FAILED | rc=3 >>\nout-line\nerr-line\n');
  });

  it("shows a host's terminal control sequences, never obeys them", async () => {
    const { code, stdout } = await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'shell', '-a', "printf 'red\\033[2Jcleared'");
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('web1 | CHANGED | rc=0 >>\nred');
    expect(stdout).toContain('cleared');
    expect(stdout).not.toContain('\u001b');
  });

  it("prints another module's result as compact JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-exec-'));
    const dest = join(dir, 'motd');
    const { code, stdout } = await cli('exec', 'web1', '-i', 'hosts.yaml', '-m', 'copy', '-a', `dest=${dest} content=hello`);
    expect(code).toBe(EXIT.OK);
    const line = stdout.split('\n').find((l) => l.startsWith('web1 | CHANGED => '));
    expect(line).toBeDefined();
    const shown = JSON.parse(line!.slice('web1 | CHANGED => '.length)) as { changed: boolean; changes: string[] };
    expect(shown.changed).toBe(true);
    expect(shown.changes.join(' ')).toContain(dest);
  });

  it('masks a vaulted Secret in the command output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbook-exec-vault-'));
    await mkdir(join(dir, 'group_vars'));
    await writeFile(join(dir, 'hosts'), '[db]\ndb1 ansible_connection=local\n');
    await writeFile(join(dir, 'group_vars', 'db.yaml'), await readFile(join(vaultFixtures, 'vaulted-string.yaml'), 'utf8'));
    await writeFile(join(dir, 'vault-password'), await readFile(join(vaultFixtures, 'vault-password'), 'utf8'));
    const { code, stdout, stderr } = await cliIn(dir, 'exec', 'db1', '-i', '.', '--vault-password-file', 'vault-password', '--', 'echo', 'token=s3cret-token');
    expect(code).toBe(EXIT.OK);
    expect(stdout).toContain('db1 | CHANGED | rc=0 >>\ntoken=***\n');
    expect(stdout + stderr).not.toContain('s3cret-token');
  });

  it('--json prints the events only, no output block', async () => {
    const { code, stdout } = await cli('exec', 'web1', '-i', 'hosts.yaml', '--json', '--', 'echo', 'hi');
    expect(code).toBe(EXIT.OK);
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(events.map((event) => event.type)).toContain('host.result');
    expect(stdout).not.toContain('rc=0 >>');
  });

  it('ping reaches every host', async () => {
    const { code, stdout, stderr } = await cli('ping', 'all', '-i', 'hosts.yaml');
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.OK);
    for (const host of ['web1', 'web2', 'db1']) expect(stdout).toContain(`${host} | SUCCESS => {"ping":"pong"}\n`);
  });
});

describe('-a key=value', () => {
  it('splits as a shell would and reads JSON values', () => {
    expect(parseModuleArgs(`path=/a name="two words" count=3 force=true list='["a"]' mode=0644`)).toEqual({
      path: '/a',
      name: 'two words',
      count: 3,
      force: true,
      list: ['a'],
      mode: '0644',
    });
    expect(parseModuleArgs('uptime')).toBeUndefined();
  });

  it("gives a field the text when the schema refuses the JSON reading, and leaves other refusals to the module", () => {
    const schema = z.object({ job: z.string(), disabled: z.boolean(), minute: z.string(), count: z.number() });
    const text = 'job=true disabled=true minute=5 count=x';
    expect(parseModuleArgs(text, schema)).toEqual({ job: 'true', disabled: true, minute: '5', count: 'x' });
    expect(schema.safeParse(parseModuleArgs(text, schema)).success).toBe(false);
  });
});
