import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { LAB_CA_HOST_PATH, execInContainer, labDown, labStatus, labUp, standInUrls, withFreeSubnets, type LabSpec } from '@meshbook/fleet';

/** `lab up` on a lab that exists brings its stand-ins back with the same CA and keys; `lab down` removes them. */
const id = `lab-test-${process.pid}`;
const sshPort = 24000 + Math.floor(Math.random() * 900);
let workDir = '';

afterAll(async () => {
  await labDown(id, workDir);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function statusOf(name: string) {
  const found = (await labStatus(id)).find((h) => h.name === name);
  if (!found) throw new Error(`${name} is not in lab ${id}`);
  return found;
}

describe('the lab keeps its stand-ins across lab up', () => {
  it('starts them with the lab, resumes them when stopped, removes their files on lab down', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'meshbook-lab-resume-'));
    // A subnet no Docker network uses; another lab taking it meanwhile makes labUp fail with Docker's
    // "Pool overlaps" (and remove what it made), and withFreeSubnets tries the next one.
    const spec = await withFreeSubnets({ patterns: ['10.231.X.0/24'], octets: [100, 199], start: process.pid }, async (octet) => {
      const chosen: LabSpec = {
        id,
        workDir,
        topology: {
          networks: [{ name: 'net', subnet: `10.231.${octet}.0/24` }],
          hosts: [{ name: 'node1', addresses: [{ network: 'net', ip: `10.231.${octet}.11` }], sshPort, routes: [] }],
        },
      };
      expect(await labUp(chosen)).toBe('started');
      return chosen;
    });
    const standIns = await statusOf('stand-ins');
    expect(standIns).toMatchObject({ role: 'stand-ins', state: 'running', sshPort: null });
    expect(await statusOf('node1')).toMatchObject({ role: 'host', state: 'running', sshPort });
    const ca = await readFile(join(workDir, 'stand-ins/tls/ca.crt'), 'utf8');
    const node1 = (await statusOf('node1')).containerId;
    expect((await execInContainer(node1, ['cat', LAB_CA_HOST_PATH])).stdout).toBe(ca);
    const key = await execInContainer(node1, ['curl', '-fsS', standInUrls().kubernetesAptKey]);
    expect(key.exitCode, key.stderr).toBe(0);

    await new Docker().getContainer(standIns.containerId).stop();
    expect((await statusOf('stand-ins')).state).toBe('exited');
    expect(await labUp(spec)).toBe('resumed');
    expect((await statusOf('stand-ins')).state).toBe('running');
    // Same CA, same signing key: the host that trusted them before still does.
    expect(await readFile(join(workDir, 'stand-ins/tls/ca.crt'), 'utf8')).toBe(ca);
    const again = await execInContainer(node1, ['curl', '-fsS', standInUrls().kubernetesAptKey]);
    expect(again.stdout).toBe(key.stdout);

    await labDown(id, workDir);
    expect(await labStatus(id)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });
});
