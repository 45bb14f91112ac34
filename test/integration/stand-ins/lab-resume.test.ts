import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { LAB_CA_HOST_PATH, execInContainer, labDown, labStatus, labUp, standInUrls } from '@meshbook/fleet';

/** `lab up` on a lab that exists brings its stand-ins back with the same CA and keys; `lab down` removes them. */
const id = `lab-test-${process.pid}`;
const subnet = `10.231.${100 + Math.floor(Math.random() * 100)}.0/24`;
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
    const spec = {
      id,
      workDir,
      topology: {
        networks: [{ name: 'net', subnet }],
        hosts: [{ name: 'node1', addresses: [{ network: 'net', ip: subnet.replace('0/24', '11') }], sshPort, routes: [] }],
      },
    };
    expect(await labUp(spec)).toBe('started');
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
