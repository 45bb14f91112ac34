import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.js';
import { useFleet } from './support/fleet.js';

const run = promisify(execFile);

/** The README's library example, run as its own program against the built packages. */
describe('modules used from a plain TypeScript program', () => {
  const fleet = useFleet({ hosts: 1 });

  async function example(...args: string[]): Promise<string> {
    const host = fleet().hosts[0]!;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/sysctl-check.ts', host.address, String(host.port), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, KEY: fleet().privateKeyPath, KNOWN_HOSTS: fleet().knownHostsPath },
    });
    return stdout;
  }

  const forwarding = async () => (await fleet().exec(fleet().hosts[0]!.name, ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim();

  it('check mode reports the change and leaves the host alone; apply sets it; then nothing to do', async () => {
    await fleet().exec(fleet().hosts[0]!.name, ['sysctl', '-qw', 'net.ipv4.ip_forward=0']);
    const checked = await example();
    expect(checked).toContain('would change:');
    expect(checked).toContain('net.ipv4.ip_forward');
    expect(await forwarding()).toBe('0');
    expect(await example('--apply')).toContain('changed:');
    expect(await forwarding()).toBe('1');
    expect(await example()).toContain('already as wanted');
  });
});
