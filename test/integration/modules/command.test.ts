import { describe, expect, it } from 'vitest';
import { KnownAfterApply, MeshbookError, Secret } from '@meshbook/engine';
import { command, shell } from '@meshbook/modules';
import { proveBadParams, proveCheckMode, roundTripsOf, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const exists = (path: string) => hosts.sh(H, `test -e '${path}' && echo present || echo absent`);

describe('command and shell on a real host', () => {
  it('creates: runs once, then is skipped (the idempotency of a one-off command)', async () => {
    const params = { argv: ['sh', '-c', 'echo init >> /srv/init.log && touch /srv/initialised'], creates: '/srv/initialised' };
    await hosts.sh(H, 'mkdir -p /srv');
    const first = await command.run(t(), params, { diff: true });
    expect(first.changed).toBe(true);
    expect(first.diff).toContain("run sh -c 'echo init >> /srv/init.log && touch /srv/initialised'");
    const second = await command.run(t(), params);
    expect(second.changed).toBe(false);
    expect(second.output).toMatchObject({ skipped: '/srv/initialised exists' });
    expect(await hosts.sh(H, 'cat /srv/init.log')).toBe('init\n');
    const { roundTrips } = await roundTripsOf(command, t(), params);
    expect(roundTrips).toBeLessThanOrEqual(1);
  });

  it('removes: runs only while the path exists', async () => {
    await hosts.sh(H, 'touch /srv/stale.lock');
    const params = { argv: ['rm', '-f', '--', '/srv/stale.lock'], removes: '/srv/stale.lock' };
    expect((await command.run(t(), params)).changed).toBe(true);
    expect(await exists('/srv/stale.lock')).toBe('absent\n');
    expect((await command.run(t(), params)).changed).toBe(false);
  });

  it('check mode reports the run and runs nothing', async () => {
    const r = await proveCheckMode(command, t(), { argv: ['touch', '/srv/check-mode-ran'] }, () => exists('/srv/check-mode-ran'));
    expect(r.output).toBeInstanceOf(KnownAfterApply);
  });

  it('readOnly: runs in gather even in check mode, never changed, one round trip', async () => {
    const { roundTrips, result } = await roundTripsOf(shell, t(), { cmd: 'systemctl is-system-running || true', readOnly: true }, { check: true });
    expect(result.changed).toBe(false);
    expect((result.output as { stdout: string }).stdout).toMatch(/running|degraded/);
    expect(roundTrips).toBe(1);
  });

  it('argv words, stdin, env and chdir are passed literally', async () => {
    const words = ['$(touch /tmp/pwned)', '`id`', 'a;b', "'q'", '"dq"', '-n', 'ünï', 'two\nlines', ''];
    const r = await command.run(t(), { argv: ['printf', '[%s]', ...words] });
    expect((r.output as { stdout: string }).stdout).toBe(words.map((w) => `[${w}]`).join(''));
    const canary = 'stdin-canary-a41f';
    const s = await shell.run(t(), { cmd: 'cat; echo " $MB_X"; pwd', stdin: new Secret(canary), env: { MB_X: "it's $(x)" }, chdir: '/srv' }, { diff: true });
    expect((s.output as { stdout: string }).stdout).toBe(`${canary} it's $(x)\n/srv\n`);
    expect(JSON.stringify(s.changes) + s.diff).not.toContain(canary);
    expect(await exists('/tmp/pwned')).toBe('absent\n');
  });

  it('a failing command is COMMAND_FAILED with the masked command, unless okExitCodes allows it', async () => {
    const error = await command.run(t(), { argv: ['sh', '-c', 'echo boom >&2; exit 4', new Secret('argv-secret-9c2e')] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', exitCode: 4, stderr: 'boom\n', host: H });
    expect((error as MeshbookError).command).toContain('***');
    expect((error as MeshbookError).command).not.toContain('argv-secret-9c2e');
    const ok = await shell.run(t(), { cmd: 'exit 2', okExitCodes: [0, 2] });
    expect(ok.output).toMatchObject({ exitCode: 2 });
  });

  it('shell exit cannot end the transport session', async () => {
    await shell.run(t(), { cmd: 'exit 0' });
    const r = await command.run(t(), { argv: ['echo', 'still here'] });
    expect(r.output).toMatchObject({ stdout: 'still here\n' });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(command, t(), { argv: 'rm -rf /' }, /command\.argv/);
    await proveBadParams(shell, t(), { cmd: 'x', creates: 'relative' }, /shell\.creates: an absolute path/);
  });
});
