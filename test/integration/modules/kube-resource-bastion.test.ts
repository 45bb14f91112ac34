import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { MeshbookError, sh } from '@meshbook/engine';
import type { Transport } from '@meshbook/engine';
import { kubeResource, kubeResourceInfo } from '@meshbook/modules';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { LABEL_FLEET } from '../../../packages/fleet/src/labels.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { proveCheckMode, proveIdempotent } from '../support/prove.js';
import { initClusters } from '../support/kube-cluster.js';
import { REPO_ROOT, meshbook } from '../support/cli.js';
import { expectExit, resultsOf, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * kubeResource on a master reached only through a bastion (ProxyJump), as the lab's topology does
 * it: the master sits on a private Docker network alone with the bastion, its published SSH port
 * is dead, and its API listens on the host's loopback. The SSH connection goes controller →
 * bastion → master; the API forward opens from the master. The real kubectl on the master judges.
 */
const fleet = useFleet({ hosts: ['bastion', 'master'] });
const workDir = useWorkDir();
const docker = new Docker();
let privateIp = '';
let knownHostsFile = '';
let master: Transport | undefined;
const t = () => master!;
const kubectl = async (args: string) => fleet().exec('master', ['sh', '-c', `kubectl ${args}`]);
const throughBastion = () => `root@127.0.0.1:${fleet().host('bastion').port}`;

beforeAll(async () => {
  // the private network, labelled with the fleet's id so the fleet's destroy removes it
  const network = await docker.createNetwork({ Name: `meshbook-test-${fleet().id}-private`, Driver: 'bridge', Labels: { [LABEL_FLEET]: fleet().id } });
  for (const host of ['bastion', 'master']) await network.connect({ Container: fleet().host(host).containerId });
  const inspected = await docker.getContainer(fleet().host('master').containerId).inspect();
  const networks = inspected.NetworkSettings.Networks;
  privateIp = networks[`meshbook-test-${fleet().id}-private`]!.IPAddress;
  for (const name of Object.keys(networks)) {
    if (name !== `meshbook-test-${fleet().id}-private`) await docker.getNetwork(name).disconnect({ Container: inspected.Id, Force: true });
  }
  // strict host keys: the master's key, known under its private address
  const known = await readFile(fleet().knownHostsPath, 'utf8');
  const masterKeys = known.split('\n').filter((l) => l.startsWith(`[127.0.0.1]:${fleet().host('master').port} `)).map((l) => l.replace(/^\S+/, privateIp));
  expect(masterKeys.length).toBeGreaterThan(0);
  knownHostsFile = join(workDir(), 'known_hosts');
  await writeFile(knownHostsFile, `${known.trimEnd()}\n${masterKeys.join('\n')}\n`);
  await initClusters(fleet(), ['master'], { master: privateIp });
  master = await connectSsh({ ...fleetSshOptions(fleet(), 'master', { knownHostsFile }), address: privateIp, port: 22, proxyJump: throughBastion() });
}, 900_000);
afterAll(async () => {
  await master?.close();
});

const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'behind-bastion', namespace: 'default' }, data: { hop: 'bastion' } } satisfies ConfigMap;

describe('kubeResource through a ProxyJump bastion', () => {
  it('the master answers only through the bastion; its API only on its own loopback', async () => {
    const direct = await connectSsh({ ...fleetSshOptions(fleet(), 'master'), connectTimeoutMs: 3000 }).then(
      async (c) => {
        await c.close();
        return 'connected';
      },
      (e: MeshbookError) => e.code,
    );
    expect(direct).toBe('UNREACHABLE');
    expect((await t().run(sh`hostname`)).stdout).toBe('master\n');
    expect((await fleet().exec('bastion', ['sh', '-c', 'curl -sk -m 3 https://127.0.0.1:6443/version || echo unreachable'])).stdout).toContain('unreachable');
    expect((await fleet().exec('master', ['sh', '-c', 'grep server: /root/.kube/config'])).stdout).toContain('https://127.0.0.1:6443');
  });

  it('check mode plans the create (a server-side dry run through the bastion) and leaves the API untouched', async () => {
    const result = await proveCheckMode(kubeResource, t(), { object: config }, async () => (await kubectl('get cm -A -o name')).stdout);
    expect(result.changes.map((c) => c.summary)).toEqual(['create ConfigMap default/behind-bastion']);
  });

  it('applies, then changes nothing; kubeResourceInfo reads it back', async () => {
    await proveIdempotent(kubeResource, t(), { object: config }, async () => {
      expect(JSON.parse((await kubectl('get cm behind-bastion -o json')).stdout).data).toEqual({ hop: 'bastion' });
    });
    const read = await kubeResourceInfo.run(t(), { apiVersion: 'v1', kind: 'ConfigMap', name: 'behind-bastion' });
    expect((read.output as ConfigMap).data).toEqual({ hop: 'bastion' });
  });

  it('an API that is down behind the bastion is UNREACHABLE, naming the endpoint and the master', async () => {
    await fleet().exec('master', ['systemctl', 'stop', 'kube-apiserver']);
    try {
      const error = await kubeResource.run(t(), { object: config }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('UNREACHABLE');
      expect((error as MeshbookError).message).toContain('the Kubernetes API https://127.0.0.1:6443 (kubeconfig ~/.kube/config) is unreachable from master');
    } finally {
      await fleet().exec('master', ['sh', '-c', 'systemctl start kube-apiserver && for i in $(seq 60); do kubectl get --raw /readyz >/dev/null 2>&1 && break; sleep 1; done']);
    }
  });

  it('from an inventory (meshbook_proxy_jump): a playbook applies through the bastion, then changes nothing', async () => {
    const inventory = await writeInventory(fleet(), workDir(), {
      hosts: ['master'],
      vars: { meshbook_known_hosts_file: knownHostsFile },
      hostVars: { master: { ansible_host: privateIp, ansible_port: 22, meshbook_proxy_jump: throughBastion() } },
    });
    const playbook = join(REPO_ROOT, 'test/integration/modules/fixtures/kube-configmap.ts');
    const first = await meshbook(['run', playbook, '-i', inventory, '--json']);
    expectExit(first, 0);
    expect(resultsOf(first, 'configmap')['master']).toMatchObject({ status: 'changed' });
    expect(JSON.parse((await kubectl('get cm from-playbook -o json')).stdout).data).toEqual({ via: 'inventory' });
    const again = await meshbook(['run', playbook, '-i', inventory, '--json']);
    expectExit(again, 0);
    expect(resultsOf(again, 'configmap')['master']).toMatchObject({ status: 'ok' });
  });
});
