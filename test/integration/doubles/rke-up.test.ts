// The rke double on the controller against fleet hosts: RKE's Docker check over SSH (no Docker, a
// user outside the `docker` group), then `rke up` with Debian's docker.io running on the nodes,
// judged by the real kubectl, and a second `rke up` that changes nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { kubeClients } from '@meshbook/fleet';
import { LocalTransport } from '@meshbook/engine';
import { rkeUp as rkeUpModule } from '@meshbook/modules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';

const run = promisify(execFile);
const RKE = resolve(import.meta.dirname, '../../../packages/doubles/dist/bin/rke.cjs');
const fleet = useFleet({ hosts: ['n1', 'n2'] });
let dir = '';

const sh = async (host: string, script: string) => fleet().exec(host, ['sh', '-c', script]);

async function rkeUp(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [RKE, 'up', '--config', join(dir, 'cluster.yml')], { cwd: dir, timeout: 240_000 });
    return { code: 0, ...r };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function clusterYml(user: string): string {
  const node = (name: string, roles: string[]) => {
    const host = fleet().host(name);
    return `- address: ${host.address}
  port: "${host.port}"
  internal_address: ${host.ip}
  hostname_override: ${name}
  user: ${user}
  role: [${roles.join(', ')}]
  ssh_key_path: ${fleet().privateKeyPath}
  docker_socket: /var/run/docker.sock`;
  };
  return `nodes:
${node('n1', ['controlplane', 'etcd', 'worker'])}
${node('n2', ['worker'])}
network:
  plugin: none
services:
  kube-api:
    service_cluster_ip_range: 10.45.0.0/16
  kube-controller:
    cluster_cidr: 10.42.0.0/16
    service_cluster_ip_range: 10.45.0.0/16
  kubelet:
    cluster_domain: cluster.local
    cluster_dns_server: 10.45.0.10
`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshbook-rke-'));
  // the real kubectl on n1, to judge the cluster from a node that reaches 127.0.0.1:6443
  const stage = mkdtempSync(join(tmpdir(), 'meshbook-kubectl-'));
  await run('mkdir', ['-p', join(stage, 'usr/bin')]);
  await run('cp', [(await kubeClients()).kubectl, join(stage, 'usr/bin/kubectl')]);
  await run('tar', ['-C', stage, '--owner=0', '--group=0', '-cf', join(stage, 'k.tar'), 'usr']);
  await new Docker().getContainer(fleet().host('n1').containerId).putArchive(readFileSync(join(stage, 'k.tar')), { path: '/' });
  rmSync(stage, { recursive: true, force: true });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rke double', () => {
  it('prints its version', async () => {
    expect((await run(process.execPath, [RKE, '--version'])).stdout).toMatch(/^rke version v1\.\d+\.\d+\n$/);
  });

  it('refuses a node without Docker, with RKE\'s tunnelling error', async () => {
    writeFileSync(join(dir, 'cluster.yml'), clusterYml('root'));
    const r = await rkeUp();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FATA\[\d{4}\] Failed to set up SSH tunneling for host \[127\.0\.0\.1\]: Can't retrieve Docker Info: error during connect: Get "http:\/\/%2Fvar%2Frun%2Fdocker\.sock\/v1\.24\/info": Failed to dial to \/var\/run\/docker\.sock: ssh: rejected: \w[\w ]+ \(open failed\)/);
    expect(r.stderr).toContain('Please check if the configured user can execute `docker ps` on the node');
    // nothing was started on the nodes
    expect((await sh('n1', 'test -e /etc/systemd/system/kube-apiserver.service; echo $?')).stdout.trim()).toBe('1');
  });

  // Both nodes install docker.io from Debian's mirror (the real Docker rke talks to, which the tests
  // after this one need too): 600 s of the project's 600 s per test in CI on a loaded machine.
  it('refuses a user outside the docker group once Docker runs', async () => {
    await Promise.all(['n1', 'n2'].map(async (h) => {
      const r = await sh(h, 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/tmp/apt.log 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/tmp/apt.log 2>&1); systemctl is-active docker');
      expect(r.stdout.trim(), r.stderr).toBe('active');
    }));
    const user = fleet().sudoUser.name;
    writeFileSync(join(dir, 'cluster.yml'), clusterYml(user));
    const r = await rkeUp();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Failed to set up SSH tunneling for host [127.0.0.1]: Can't retrieve Docker Info`);
    expect(r.stderr).toMatch(/Failed to dial to \/var\/run\/docker\.sock: ssh: rejected: [\w ]+ \(open failed\)/);
  }, 1_200_000);

  it('brings the cluster up: API server on the control plane, every node registered and Ready', async () => {
    writeFileSync(join(dir, 'cluster.yml'), clusterYml('root'));
    const r = await rkeUp();
    expect(r.stderr).toContain('Finished building Kubernetes cluster successfully');
    expect(r.code).toBe(0);
    const kubeconfig = readFileSync(join(dir, 'kube_config_cluster.yml'), 'utf8');
    expect(kubeconfig).toContain('server: https://127.0.0.1:6443');
    // RKE names cluster, context and user after cluster.yml's cluster_name, `local` without one
    expect(kubeconfig).toMatch(/^current-context: local$/m);
    expect(kubeconfig).toMatch(/^\s*- name: kube-admin-local$/m);
    const state = JSON.parse(readFileSync(join(dir, 'cluster.rkestate'), 'utf8')) as { currentState: { certificatesBundle: Record<string, unknown> } };
    expect(Object.keys(state.currentState.certificatesBundle)).toEqual(expect.arrayContaining(['kube-ca', 'kube-apiserver', 'kube-admin']));
    expect(statSync(join(dir, 'cluster.rkestate')).mode & 0o077).toBe(0);
    // the real kubectl with rke's kubeconfig
    await fleet().exec('n1', ['sh', '-c', 'cat > /root/kube_config_cluster.yml'], { stdin: kubeconfig });
    const nodes = await sh('n1', 'kubectl --kubeconfig /root/kube_config_cluster.yml wait --for=condition=Ready node --all --timeout=60s >/dev/null && kubectl --kubeconfig /root/kube_config_cluster.yml get nodes -o json');
    expect(nodes.exitCode, nodes.stderr).toBe(0);
    const items = (JSON.parse(nodes.stdout) as { items: Array<{ metadata: { name: string; labels: Record<string, string> }; spec: { podCIDR?: string }; status: { addresses: Array<{ type: string; address: string }> } }> }).items;
    // node IPAM from cluster.yml's cluster_cidr, as kube-controller-manager does with RKE's --cluster-cidr
    expect(items.map((n) => n.spec.podCIDR).sort()).toEqual(['10.42.0.0/24', '10.42.1.0/24']);
    const seen = items.map((n) => ({ name: n.metadata.name, ip: n.status.addresses.find((a) => a.type === 'InternalIP')?.address, controlplane: n.metadata.labels['node-role.kubernetes.io/controlplane'] }));
    expect(seen.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'n1', ip: fleet().host('n1').ip, controlplane: 'true' },
      { name: 'n2', ip: fleet().host('n2').ip, controlplane: undefined },
    ]);
    expect((await sh('n2', 'systemctl is-active kubelet; systemctl is-active kube-apiserver')).stdout.trim().split('\n')).toEqual(['active', 'inactive']);
  }, 300_000);

  it('a second rke up with the same file changes nothing', async () => {
    const before = {
      kubeconfig: statSync(join(dir, 'kube_config_cluster.yml')).mtimeMs,
      state: statSync(join(dir, 'cluster.rkestate')).mtimeMs,
      started: (await sh('n1', 'systemctl show -p ActiveEnterTimestampMonotonic kube-apiserver kubelet')).stdout,
    };
    const r = await rkeUp();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Already up to date: host [127.0.0.1]');
    expect(r.stderr).not.toContain('Successfully started');
    expect(r.stderr).not.toContain('Generating');
    expect(statSync(join(dir, 'kube_config_cluster.yml')).mtimeMs).toBe(before.kubeconfig);
    expect(statSync(join(dir, 'cluster.rkestate')).mtimeMs).toBe(before.state);
    expect((await sh('n1', 'systemctl show -p ActiveEnterTimestampMonotonic kube-apiserver kubelet')).stdout).toBe(before.started);
  }, 300_000);

  it('the rkeUp module runs rke up only when the cluster needs it: check mode touches nothing, a second run changes nothing', async () => {
    const rke = join(dir, 'rke');
    writeFileSync(rke, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(RKE)} "$@"\n`, { mode: 0o755 });
    const local = new LocalTransport();
    const stamp = join(dir, '.meshbook-rke-up.sha256');
    // brought up by hand above, never by the module: it cannot know which file that was
    const checked = await rkeUpModule.run(local, { dir, rke }, { check: true });
    expect(checked.changed).toBe(true);
    expect(checked.changes[0]!.summary).toContain('cluster.yml never brought up');
    expect(() => statSync(stamp)).toThrow();
    const applied = await rkeUpModule.run(local, { dir, rke });
    expect(applied.changed).toBe(true);
    expect(applied.output).toEqual({ kubeconfig: join(dir, 'kube_config_cluster.yml'), state: join(dir, 'cluster.rkestate') });
    expect((await rkeUpModule.run(local, { dir, rke })).changed).toBe(false);
    // a changed cluster.yml needs rke up again
    writeFileSync(join(dir, 'cluster.yml'), `${readFileSync(join(dir, 'cluster.yml'), 'utf8')}# edited\n`);
    const again = await rkeUpModule.run(local, { dir, rke }, { check: true });
    expect(again.changes[0]!.summary).toContain('cluster.yml changed since the last rke up');
  }, 300_000);
});
