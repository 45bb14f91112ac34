import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshbookError, secret, type Transport } from '@meshbook/engine';
import { reboot } from '@meshbook/modules';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { REPO_ROOT, meshbook, recapOf } from '../support/cli.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { expectExit, resultsOf, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * A real reboot of a systemd-in-Docker host: `systemctl reboot` ends its systemd (PID 1) with exit
 * code 129, docker's on-failure restart policy starts the container again, and systemd boots anew
 * (fresh /run, units started again). The kernel is the machine's, so its boot id stays: the new
 * boot shows in PID 1's start time. The module reconnects through the transport and must see it.
 */
const fleet = useFleet({ hosts: [{ name: 'node1', restartOnReboot: true }] });
const workDir = useWorkDir();
const H = 'node1';
let transport: Transport;

beforeAll(async () => {
  // With the host lock, as a run takes it: reconnecting after the reboot must take it again.
  transport = await connectSsh(fleetSshOptions(fleet(), H, { hostLock: { runId: 'reboot-test', holder: 'reboot test', waitMs: 5000 } }));
});
afterAll(async () => {
  await transport?.close();
});

const onHost = async (script: string) => (await fleet().exec(H, ['sh', '-c', script])).stdout;
const boot = () => onHost("cat /proc/sys/kernel/random/boot_id; sed 's/.*) //' /proc/1/stat | cut -d' ' -f20");
/** Whether another run could take the host lock now (flock -n on the lock file from outside SSH). */
const lockFree = async () => (await onHost('flock -n /run/lock/meshbook.lock true && echo free || echo held')).trim();
const restarts = async () => Number((await promisify(execFile)('docker', ['inspect', '-f', '{{.RestartCount}}', fleet().host(H).containerName])).stdout.trim());

async function failure(promise: Promise<unknown>): Promise<MeshbookError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MeshbookError);
  return error as MeshbookError;
}

describe('reboot on a real host', () => {
  it('check mode on a fresh host reports the reboot (with the boot it would end) and touches nothing', async () => {
    const [bootBefore, restartsBefore] = [await boot(), await restarts()];
    const result = await reboot.run(transport, {}, { check: true, diff: true });
    expect(result).toMatchObject({ changed: true, check: true });
    expect(result.diff).toContain('+ a new boot');
    expect(result.diff).toContain(`- boot ${bootBefore.trim().replace('\n', '/')}`);
    expect([await boot(), await restarts()]).toEqual([bootBefore, restartsBefore]);
  });

  it('reboots: systemd really restarts (new PID 1, fresh /run), the pre-reboot command ran first, the same transport works after', async () => {
    await onHost('touch /run/before-reboot; rm -f /root/pre-reboot-ran');
    expect(await lockFree()).toBe('held');
    const [bootBefore, restartsBefore] = [await boot(), await restarts()];
    const result = await reboot.run(transport, { preRebootCommand: 'date +%s > /root/pre-reboot-ran', testCommand: 'systemctl is-active ssh', rebootTimeoutSeconds: 180 });
    expect(result.changed).toBe(true);
    const output = result.output as { rebooted: boolean; bootIdentity: string; elapsedSeconds: number };
    expect(output.rebooted).toBe(true);
    const bootAfter = await boot();
    expect(bootAfter).not.toBe(bootBefore);
    expect(output.bootIdentity).toBe(bootAfter.trim().replace('\n', '/'));
    expect(await restarts()).toBe(restartsBefore + 1);
    expect(await onHost('test -e /run/before-reboot && echo kept || echo fresh; test -s /root/pre-reboot-ran && echo ran')).toBe('fresh\nran\n');
    expect((await transport.run({ text: 'id -u; systemctl is-active ssh', display: 'id' })).stdout).toBe('0\nactive\n');
    expect(await lockFree()).toBe('held');
  });

  it('never idempotent (as Ansible): a second run reboots again', async () => {
    const bootBefore = await boot();
    const again = await reboot.run(transport, { rebootTimeoutSeconds: 180 });
    expect(again.changed).toBe(true);
    expect(await boot()).not.toBe(bootBefore);
  });

  it('a reboot command that does not reboot is a TIMEOUT naming the old boot, not a false success', async () => {
    const bootBefore = await boot();
    const error = await failure(reboot.run(transport, { rebootCommand: 'true', rebootTimeoutSeconds: 4 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('reboot: node1 was not back within 4 s: it still runs the boot it had before the reboot command');
    expect(await boot()).toBe(bootBefore);
  });

  it('without root the reboot command fails and the host is not rebooted; a failing pre-reboot command stops it first', async () => {
    const bootBefore = await boot();
    const deploy = await connectSsh(fleetSshOptions(fleet(), H, { user: fleet().sudoUser.name, becomePassword: secret(fleet().sudoUser.password) }));
    try {
      const denied = await failure(reboot.run(deploy, { rebootTimeoutSeconds: 30 }));
      expect(denied.code).toBe('MODULE_FAILED');
      expect(denied.message).toMatch(/^reboot: the reboot command failed \(exit code \d+\)/);
      const pre = await failure(reboot.run(deploy, { preRebootCommand: 'exit 7' }, { become: true }));
      expect(pre.code).toBe('COMMAND_FAILED');
    } finally {
      await deploy.close();
    }
    expect(await boot()).toBe(bootBefore);
  });

  it('meshbook exec -m reboot through the runner (host lock taken again after the reboot): changed, new boot', async () => {
    // This file's transport holds the host lock: let it go, or the run would wait for it.
    await transport.close();
    const inventory = await writeInventory(fleet(), workDir());
    const bootBefore = await boot();
    const run = await meshbook(['exec', H, '-i', inventory, '-m', 'reboot', '-a', 'rebootTimeoutSeconds=180', '--json']);
    expectExit(run, 0);
    expect(recapOf(run)[H]).toMatchObject({ changed: 1, failed: 0 });
    expect(await boot()).not.toBe(bootBefore);
    expect(run.events.filter((e) => e.type === 'host.reconnect')).toHaveLength(1);
  });

  it('in a run, the tasks after the reboot see the new boot, not what was read in the old one: the file state fetched ahead, the host facts', async () => {
    const tag = `rbf${Date.now()}`;
    const ownHostname = (await onHost('cat /proc/sys/kernel/hostname')).trim();
    // Both only last until the next boot: a file in /run (a tmpfs), and the kernel's hostname
    // (the container gets its own again when docker starts it anew).
    await onHost(`touch /run/${tag} && printf %s before-${tag} > /proc/sys/kernel/hostname`);
    const inventory = await writeInventory(fleet(), workDir());
    const run = await meshbook(['run', join(REPO_ROOT, 'test/integration/modules/fixtures/reboot-facts.ts'), '-i', inventory, '-e', `tag=${tag}`, '--json']);
    expectExit(run, 0);
    const status = (task: string) => resultsOf(run, task)[H]?.status;
    expect(['hostname before', 'reboot', 'marker gone', 'hostname after'].map(status)).toEqual(['changed', 'changed', 'ok', 'changed']);
    expect(await onHost(`cat /root/${tag}.hostname-before /root/${tag}.hostname-after`)).toBe(`before-${tag}\n${ownHostname}\n`);
    // The reboot reconnected through the run: once (however often the old boot still answered), while the reboot task ran.
    const reconnects = run.events.filter((e) => e.type === 'host.reconnect');
    expect(reconnects).toEqual([expect.objectContaining({ host: H, reason: `reboot: waiting for ${H} in a new boot` })]);
    const order = run.events.flatMap((e) => (e.type === 'host.reconnect' ? ['reconnect'] : e.type === 'host.result' ? [e.task] : []));
    expect(order).toEqual(['hostname before', 'reconnect', 'reboot', 'marker gone', 'hostname after']);
    expect(recapOf(run)[H]).toMatchObject({ changed: 3, ok: 1, failed: 0 });
    expect(await lockFree()).toBe('free');
  });
});
