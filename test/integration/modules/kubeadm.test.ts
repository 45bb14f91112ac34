// The kubeadm, kubeconfig and fetch modules on fleet hosts with the kubeadm/kubelet/kube-apiserver
// doubles installed, judged by the real kubectl: two single-master clusters (m1: cluster-ayk with
// worker w1, m2: cluster-kzh), as seed 000 builds them. Each module: check mode on a fresh host
// changes nothing (host and API), apply, apply again with no change; the documented join
// failures; and a canary: tokens, certificate keys and client keys in no result, diff or error.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownAfterApply, MeshbookError, Secret } from '@meshbook/engine';
import type { AnyModule, ModuleParamsInput, ModuleResult, ModuleRunOptions, Transport } from '@meshbook/engine';
import { fetch, kubeadmConfig, kubeadmInit, kubeadmJoin, kubeadmJoinCommand, kubeadmKubeconfigUser, kubeconfig } from '@meshbook/modules';
import type { JoinCommand } from '@meshbook/modules';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { installDoubles, stageDoubles } from '../support/doubles.js';

const fleet = useFleet({ hosts: ['m1', 'w1', 'm2'] });
const transports = new Map<string, Transport>();
let cleanup = () => {};
const t = (host: string) => transports.get(host)!;

/** Everything the modules showed: results (changes, diffs, outputs), errors, progress lines. */
const shown: string[] = [];
const secrets: Array<{ what: string; value: string }> = [];

async function run<M extends AnyModule>(module: M, host: string, params: ModuleParamsInput<M>, options: ModuleRunOptions = {}): Promise<ModuleResult> {
  try {
    const result = await module.run(t(host), params, { diff: true, ...options, onProgress: (line) => shown.push(line) });
    shown.push(JSON.stringify(result));
    return result;
  } catch (error) {
    if (error instanceof MeshbookError) shown.push(error.describe(), JSON.stringify({ ...error, message: error.message }));
    else shown.push(String(error));
    throw error;
  }
}
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as MeshbookError);

async function sh(host: string, script: string): Promise<string> {
  const r = await fleet().exec(host, ['sh', '-c', script]);
  if (r.exitCode !== 0) throw new Error(`${host}: ${script}: exit ${r.exitCode}\n${r.stderr}`);
  return r.stdout;
}
const kubectl = (host: string, args: string) => sh(host, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${args}`);
const asJin = (host: string, args: string) => sh(host, `su - jin -c 'kubectl ${args}'`);
/** The node's kubeadm and kubelet state, and the login user's kube dir. */
const nodeState = (host: string) => sh(host, 'ls -la --time-style=+ /etc/kubernetes /etc/kubernetes/pki /var/lib/kubelet /home/jin/.kube /run/meshbook 2>&1; systemctl is-active kube-apiserver; true');
/** What check mode must not change in the cluster: bootstrap tokens and nodes. */
const apiState = () => kubectl('m1', 'get secrets -n kube-system --field-selector type=bootstrap.kubernetes.io/token -o name; kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o name');

const ip = (host: string) => fleet().host(host).ip;
const config = (host: 'm1' | 'm2') => ({
  controlPlaneEndpoint: `${ip(host)}:6443`,
  clusterName: host === 'm1' ? 'cluster-ayk' : 'cluster-kzh',
  certSANs: ['127.0.0.1', 'localhost', host === 'm1' ? '10.20.31.10' : '10.48.10.10'],
  apiServerExtraArgs: { 'authorization-mode': 'Node,RBAC', 'enable-aggregator-routing': 'true' },
  timeoutForControlPlane: '4m0s',
  etcdDataDir: '/var/lib/etcd',
  imageRepository: 'registry.k8s.io',
  kubernetesVersion: 'stable',
  podSubnet: host === 'm1' ? '10.242.0.0/16' : '10.244.0.0/16',
  serviceSubnet: host === 'm1' ? '10.92.0.0/16' : '10.94.0.0/16',
  advertiseAddress: ip(host),
});
const init = { skipPhases: ['addon/kube-proxy'], uploadCerts: true };
const adminUser = (host: 'm1' | 'm2') => ({ clientName: `kubernetes-admin-${host === 'm1' ? 'ayk' : 'kzh'}`, org: 'system:masters', user: 'jin' });

beforeAll(async () => {
  const staged = await stageDoubles();
  cleanup = staged.cleanup;
  await Promise.all(['m1', 'w1', 'm2'].map((h) => installDoubles(fleet(), h, staged.tarball)));
  for (const host of ['m1', 'w1', 'm2']) {
    await sh(host, 'useradd -m -s /bin/bash jin');
    transports.set(host, await connectSsh(fleetSshOptions(fleet(), host)));
  }
});
afterAll(async () => {
  await Promise.all([...transports.values()].map((tr) => tr.close()));
  cleanup();
});

let joinCommand: JoinCommand;

describe('kubeadm modules on a fresh host, in check mode', () => {
  it('plan the configuration, init and kubeconfig and touch nothing', async () => {
    const before = await nodeState('m1');
    const workerBefore = await nodeState('w1');
    const file = await run(kubeadmConfig, 'm1', config('m1'), { check: true });
    expect(file.changes.map((c) => c.summary)).toEqual(['create (kubeadm.k8s.io/v1beta4)']);
    expect(file.diff).toContain('+    - name: enable-aggregator-routing\n+      value: "true"');
    const planned = await run(kubeadmInit, 'm1', init, { check: true });
    expect(planned.changes.map((c) => c.summary)).toEqual(['kubeadm init --config /etc/kubernetes/kubeadm-config.yaml --skip-phases=addon/kube-proxy --upload-certs']);
    expect(planned.output).toBeInstanceOf(KnownAfterApply);
    const user = await run(kubeadmKubeconfigUser, 'm1', adminUser('m1'), { check: true });
    expect(user.changes.map((c) => c.kind)).toEqual(['kubeadm_kubeconfig_user.generate']);
    const mint = await run(kubeadmJoinCommand, 'm1', { mint: true }, { check: true });
    expect(mint.output).toBeInstanceOf(KnownAfterApply);
    // the worker's join, with the join command not minted yet
    const join = await run(kubeadmJoin, 'w1', { joinCommand: mint.output as never }, { check: true });
    expect(join.changes.map((c) => c.kind)).toEqual(['known-after-apply']);
    expect(await nodeState('m1')).toBe(before);
    expect(await nodeState('w1')).toBe(workerBefore);
  });
});

describe('kubeadmConfig and kubeadmInit', () => {
  it('writes the v1beta4 file kubeadm 1.31 reads, then nothing', async () => {
    const first = await run(kubeadmConfig, 'm1', config('m1'));
    expect(first.output).toEqual({ path: '/etc/kubernetes/kubeadm-config.yaml', apiVersion: 'kubeadm.k8s.io/v1beta4' });
    expect(await sh('m1', 'stat -c "%a %U" /etc/kubernetes/kubeadm-config.yaml && kubeadm config validate --config /etc/kubernetes/kubeadm-config.yaml')).toBe('600 root\nok\n');
    expect((await run(kubeadmConfig, 'm1', config('m1'))).changed).toBe(false);
    expect((await run(kubeadmConfig, 'm1', config('m1'), { check: true })).changed).toBe(false);
  });

  it('initialises the control plane once, capturing the certificate key as a Secret', async () => {
    const shownBefore = shown.length;
    const first = await run(kubeadmInit, 'm1', init);
    expect(first.changed).toBe(true);
    // kubeadm's output streamed as progress lines, the certificate key masked (the canary below proves it)
    expect(shown.slice(shownBefore)).toEqual(expect.arrayContaining(['[upload-certs] Using certificate key:', 'Your Kubernetes control-plane has initialized successfully!']));
    const output = first.output as { initialized: boolean; certificateKey: Secret };
    expect(output.initialized).toBe(true);
    expect(output.certificateKey).toBeInstanceOf(Secret);
    expect(output.certificateKey.reveal()).toMatch(/^[0-9a-f]{64}$/);
    secrets.push({ what: 'certificate key', value: output.certificateKey.reveal() });
    // the real kubectl: the node, the uploaded certificates, no kube-proxy (skipped phase)
    expect(await kubectl('m1', 'wait --for=condition=Ready node/m1 --timeout=60s')).toBe('node/m1 condition met\n');
    expect(await kubectl('m1', 'get secret -n kube-system kubeadm-certs -o name')).toBe('secret/kubeadm-certs\n');
    expect(await kubectl('m1', 'get daemonset -n kube-system -o name')).not.toContain('kube-proxy');
    expect(await kubectl('m1', 'get cm -n kube-system kubeadm-config -o jsonpath={.data.ClusterConfiguration}')).toContain('clusterName: cluster-ayk');
    const again = await run(kubeadmInit, 'm1', init);
    expect(again.changed).toBe(false);
    expect(again.output).toEqual({ initialized: false, certificateKey: null });
    expect((await run(kubeadmInit, 'm1', init, { check: true })).changed).toBe(false);
  });
});

describe('kubeadmJoinCommand and kubeadmJoin', () => {
  it('check mode plans a token, creates none, and its output is known after apply', async () => {
    const before = await apiState();
    const check = await run(kubeadmJoinCommand, 'm1', { mint: true }, { check: true });
    expect(check.changes.map((c) => c.kind)).toEqual(['kubeadm_join_command.mint']);
    expect(check.output).toBeInstanceOf(KnownAfterApply);
    expect(await apiState()).toBe(before);
  });

  it('mints a join command only when asked', async () => {
    const none = await run(kubeadmJoinCommand, 'm1', { mint: false });
    expect(none.changed).toBe(false);
    expect(none.output).toBeNull();
    const minted = await run(kubeadmJoinCommand, 'm1', { mint: true });
    joinCommand = minted.output as JoinCommand;
    expect(joinCommand.endpoint).toBe(`${ip('m1')}:6443`);
    expect(joinCommand.token).toBeInstanceOf(Secret);
    expect(joinCommand.caCertHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    secrets.push({ what: 'join token', value: joinCommand.token.reveal() });
    const hash = await sh('m1', 'openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex');
    expect(joinCommand.caCertHash).toBe(`sha256:${hash.trim().split(' ').at(-1)}`);
    const tokenId = joinCommand.token.reveal().split('.')[0];
    expect(await kubectl('m1', `get secret -n kube-system bootstrap-token-${tokenId} -o jsonpath={.data.expiration}`)).not.toBe('');
  });

  it('check mode on the worker plans the join and touches neither the node nor the API', async () => {
    const node = await nodeState('w1');
    const api = await apiState();
    const check = await run(kubeadmJoin, 'w1', { joinCommand }, { check: true });
    expect(check.changes.map((c) => c.summary)).toEqual([`join the cluster at ${ip('m1')}:6443 as a worker (CA ${joinCommand.caCertHash.slice(0, 19)}…)`]);
    expect(await nodeState('w1')).toBe(node);
    expect(await apiState()).toBe(api);
  });

  it('joins the worker once; the JoinConfiguration holding the token is removed after', async () => {
    const shownBefore = shown.length;
    const joined = await run(kubeadmJoin, 'w1', { joinCommand, kubeletExtraArgs: { 'node-labels': 'lab.meshbook.io/role=worker' } });
    expect(joined.changed).toBe(true);
    expect(shown.slice(shownBefore)).toContain('This node has joined the cluster:');
    expect(await sh('w1', 'ls -A /run/meshbook 2>&1 || true')).toMatch(/No such file/);
    expect(await kubectl('m1', 'wait --for=condition=Ready node/w1 --timeout=90s')).toBe('node/w1 condition met\n');
    expect(await kubectl('m1', 'get nodes -l lab.meshbook.io/role=worker -o name')).toBe('node/w1\n');
    // joined: no join command needed any more, and none is minted
    expect((await run(kubeadmJoin, 'w1', { joinCommand: null })).changed).toBe(false);
    expect((await run(kubeadmJoin, 'w1', { joinCommand }, { check: true })).changed).toBe(false);
  });

  it('init on a node that joined a cluster: kubeadm\'s preflight refuses, named in the error with the fix', async () => {
    expect((await run(kubeadmConfig, 'w1', { ...config('m1'), controlPlaneEndpoint: `${ip('w1')}:6443`, advertiseAddress: ip('w1') })).changed).toBe(true);
    const error = await failure(run(kubeadmInit, 'w1', init));
    // the kubelet of the joined node holds its port (kubeadm's init checks, unlike join's, do not look at kubelet.conf)
    expect(error.message).toMatch(/^kubeadm init failed: error execution phase preflight: .*\[ERROR Port-10250\]: Port 10250 is in use/);
    expect(error.hint).toContain('kubeadm reset -f');
    expect(await kubectl('m1', 'wait --for=condition=Ready node/w1 --timeout=30s')).toBe('node/w1 condition met\n');
  });

  it('a wrong CA hash, an unknown token, an expired token and an unreachable API are clear errors, and leave the node as it was', async () => {
    const before = await nodeState('m2');
    const otherCa = { ...joinCommand, caCertHash: `sha256:${'0'.repeat(64)}` };
    const wrongCa = await failure(run(kubeadmJoin, 'm2', { joinCommand: otherCa }));
    expect(wrongCa.message).toMatch(/^kubeadm join .*:6443 failed: .*none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
    expect(wrongCa.hint).toContain('caCertHash is not this cluster\'s CA');

    const unknown = await failure(run(kubeadmJoin, 'm2', { joinCommand: { ...joinCommand, token: new Secret('zzzzzz.0123456789abcdef') } }));
    expect(unknown.message).toContain('could not find a JWS signature in the cluster-info ConfigMap for token ID "zzzzzz"');
    expect(unknown.hint).toContain('unknown to the cluster or expired');

    // a token past its TTL: dropped from cluster-info when the next token is signed, as the bootstrap signer does
    const shortLived = (await run(kubeadmJoinCommand, 'm1', { mint: true, ttl: '1s' })).output as JoinCommand;
    secrets.push({ what: 'expired join token', value: shortLived.token.reveal() });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    secrets.push({ what: 'another join token', value: ((await run(kubeadmJoinCommand, 'm1', { mint: true })).output as JoinCommand).token.reveal() });
    const expired = await failure(run(kubeadmJoin, 'm2', { joinCommand: shortLived }));
    expect(expired.message).toContain(`for token ID "${shortLived.token.reveal().split('.')[0]}"`);
    expect(expired.hint).toContain('expired');

    const unreachable = await failure(run(kubeadmJoin, 'm2', { joinCommand: { ...joinCommand, endpoint: `${ip('m1')}:6449` }, discoveryTimeout: '3s' }));
    expect(unreachable.message).toMatch(/connection refused/);
    expect(unreachable.hint).toContain('API server is unreachable');
    expect(await nodeState('m2')).toBe(before);
  });
});

describe('kubeadmKubeconfigUser', () => {
  it('writes the login user\'s ~/.kube/config, 0600 and theirs, usable by the real kubectl; then nothing', async () => {
    const first = await run(kubeadmKubeconfigUser, 'm1', { ...adminUser('m1'), config: '/etc/kubernetes/kubeadm-config.yaml' });
    expect(first.changed).toBe(true);
    expect(first.output).toEqual({ path: '/home/jin/.kube/config' });
    expect(await sh('m1', 'stat -c "%a %U:%G" /home/jin/.kube/config')).toBe('600 jin:jin\n');
    expect(await asJin('m1', 'config current-context')).toBe('kubernetes-admin-ayk@cluster-ayk\n');
    expect(await asJin('m1', 'get nodes -o name')).toBe('node/m1\nnode/w1\n');
    secrets.push({ what: 'client key (ayk)', value: (await asJin('m1', 'config view --raw -o jsonpath={.users[0].user.client-key-data}')).trim() });
    expect((await run(kubeadmKubeconfigUser, 'm1', { ...adminUser('m1'), config: '/etc/kubernetes/kubeadm-config.yaml' })).changed).toBe(false);
  });

  it('admin.conf copied in its place (seed 000-10) is replaced by the per-cluster identity', async () => {
    await sh('m1', 'cp /etc/kubernetes/admin.conf /home/jin/.kube/config');
    const result = await run(kubeadmKubeconfigUser, 'm1', { ...adminUser('m1'), config: '/etc/kubernetes/kubeadm-config.yaml' });
    expect(result.changes.map((c) => c.summary)).toEqual([expect.stringMatching(/^no client certificate for user kubernetes-admin-ayk: /)]);
    expect(await sh('m1', 'stat -c "%a %U:%G" /home/jin/.kube/config')).toBe('600 jin:jin\n');
    expect(await asJin('m1', 'config view -o jsonpath={.users[0].name}')).toBe('kubernetes-admin-ayk');
    secrets.push({ what: 'client key (ayk, renewed)', value: (await asJin('m1', 'config view --raw -o jsonpath={.users[0].user.client-key-data}')).trim() });
  });

  it('a kubeconfig that is a symlink to a root file: root does not chmod or chown what it points to', async () => {
    await sh('m1', 'cp /home/jin/.kube/config /root/planted.conf && chmod 644 /root/planted.conf && ln -sf /root/planted.conf /home/jin/.kube/config');
    const error = await failure(run(kubeadmKubeconfigUser, 'm1', { ...adminUser('m1'), config: '/etc/kubernetes/kubeadm-config.yaml' }));
    expect(error.stderr).toContain('/home/jin/.kube/config is a symbolic link: not changing what it points to');
    expect(await sh('m1', 'stat -c "%a %U" /root/planted.conf')).toBe('644 root\n');
    await sh('m1', 'rm /home/jin/.kube/config /root/planted.conf');
    expect((await run(kubeadmKubeconfigUser, 'm1', { ...adminUser('m1'), config: '/etc/kubernetes/kubeadm-config.yaml' })).changed).toBe(true);
    secrets.push({ what: 'client key (ayk, after the symlink)', value: (await asJin('m1', 'config view --raw -o jsonpath={.users[0].user.client-key-data}')).trim() });
  });

  it('on a worker (no CA key) it fails saying where to run it, and writes nothing', async () => {
    const error = await failure(run(kubeadmKubeconfigUser, 'w1', adminUser('m1')));
    expect(error.message).toMatch(/^kubeadm kubeconfig user --client-name kubernetes-admin-ayk failed: .*ca/i);
    expect(error.hint).toContain('control-plane node');
    expect(await sh('w1', 'ls -A /home/jin/.kube 2>&1 || true')).toMatch(/^$|No such file/);
  });
});

describe('fetch and kubeconfig: both clusters\' contexts on each master (seed 000-14)', () => {
  it('brings up the second cluster with the same modules', async () => {
    expect((await run(kubeadmConfig, 'm2', config('m2'))).changed).toBe(true);
    const initialised = await run(kubeadmInit, 'm2', init);
    expect(initialised.changed).toBe(true);
    secrets.push({ what: 'certificate key (kzh)', value: (initialised.output as { certificateKey: Secret }).certificateKey.reveal() });
    expect((await run(kubeadmKubeconfigUser, 'm2', { ...adminUser('m2'), config: '/etc/kubernetes/kubeadm-config.yaml' })).changed).toBe(true);
    secrets.push({ what: 'client key (kzh)', value: (await asJin('m2', 'config view --raw -o jsonpath={.users[0].user.client-key-data}')).trim() });
  });

  it('fetch reads a kubeconfig as a Secret and changes nothing', async () => {
    const fetched = await run(fetch, 'm2', { path: '/home/jin/.kube/config', secret: true });
    expect(fetched.changed).toBe(false);
    const output = fetched.output as { content: Secret; sha256: string };
    expect(output.content).toBeInstanceOf(Secret);
    expect(output.content.reveal()).toContain('kubernetes-admin-kzh@cluster-kzh');
    expect(JSON.stringify(fetched)).not.toContain('client-key-data');
  });

  it('fetch of a file not there yet: known after apply in check mode, a clear error in a real run', async () => {
    const check = await run(fetch, 'w1', { path: '/home/jin/.kube/config', secret: true }, { check: true });
    expect(check.changes.map((c) => c.summary)).toEqual(['read /home/jin/.kube/config (known after apply: it does not exist yet)']);
    expect(check.output).toBeInstanceOf(KnownAfterApply);
    const error = await failure(run(fetch, 'w1', { path: '/home/jin/.kube/config' }));
    expect(error.message).toBe('fetch: /home/jin/.kube/config does not exist on w1');
    expect((await run(fetch, 'w1', { path: '/home/jin/.kube/config', missing: 'null' })).output).toMatchObject({ exists: false, content: null });
  });

  it('check mode on m1 plans the merge by names and writes nothing', async () => {
    const kzh = ((await run(fetch, 'm2', { path: '/home/jin/.kube/config', secret: true })).output as { content: Secret }).content;
    const before = await sh('m1', 'sha256sum /home/jin/.kube/config');
    const check = await run(kubeconfig, 'm1', { user: 'jin', kubeconfigs: [kzh] }, { check: true });
    expect(check.changes.map((c) => c.summary)).toEqual(['add cluster cluster-kzh, add context kubernetes-admin-kzh@cluster-kzh, add user kubernetes-admin-kzh']);
    expect(check.diff).toContain('+ clusters: cluster-ayk, cluster-kzh;');
    expect(await sh('m1', 'sha256sum /home/jin/.kube/config')).toBe(before);
  });

  it('merges each cluster\'s contexts into the other master\'s kubeconfig; both usable with the real kubectl; then nothing', async () => {
    const read = async (host: string) => ((await run(fetch, host, { path: '/home/jin/.kube/config', secret: true })).output as { content: Secret }).content;
    const [ayk, kzh] = [await read('m1'), await read('m2')];
    expect((await run(kubeconfig, 'm1', { user: 'jin', kubeconfigs: [kzh] })).changed).toBe(true);
    expect((await run(kubeconfig, 'm2', { user: 'jin', kubeconfigs: [ayk] })).changed).toBe(true);
    for (const host of ['m1', 'm2']) {
      expect(await asJin(host, 'config get-contexts -o name')).toBe('kubernetes-admin-ayk@cluster-ayk\nkubernetes-admin-kzh@cluster-kzh\n');
      expect(await asJin(host, '--context kubernetes-admin-ayk@cluster-ayk get nodes -o name')).toBe('node/m1\nnode/w1\n');
      expect(await asJin(host, '--context kubernetes-admin-kzh@cluster-kzh get nodes -o name')).toBe('node/m2\n');
      expect(await sh(host, 'stat -c "%a %U:%G" /home/jin/.kube/config')).toBe('600 jin:jin\n');
    }
    // each master keeps its own cluster as the current context
    expect(await asJin('m2', 'config current-context')).toBe('kubernetes-admin-kzh@cluster-kzh\n');
    expect((await run(kubeconfig, 'm1', { user: 'jin', kubeconfigs: [kzh] })).changed).toBe(false);
    expect((await run(kubeconfig, 'm2', { user: 'jin', kubeconfigs: [ayk] }, { check: true })).changed).toBe(false);
    // the per-cluster identity is still found in the merged file: kubeconfig user is not run again
    expect((await run(kubeadmKubeconfigUser, 'm1', { ...adminUser('m1'), config: '/etc/kubernetes/kubeadm-config.yaml' })).changed).toBe(false);
    // the kubeconfig the other master holds now has both clusters: merging it again changes nothing either
    expect((await run(kubeconfig, 'm1', { user: 'jin', kubeconfigs: [await read('m2')] })).changed).toBe(false);
  });

  it('fetch writes a copy on the controller only when it differs', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'meshbook-fetch-')), 'controller', 'kzh.conf');
    const first = await run(fetch, 'm2', { path: '/home/jin/.kube/config', secret: true, dest });
    expect(first.changed).toBe(true);
    expect(first.diff).toContain('***');
    expect((await run(fetch, 'm2', { path: '/home/jin/.kube/config', secret: true, dest })).changed).toBe(false);
    expect(readFileSync(dest, 'utf8')).toContain('kubernetes-admin-kzh@cluster-kzh');
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    rmSync(dirname(dirname(dest)), { recursive: true });
  });
});

describe('a master whose API server is down', () => {
  it('mints no join command: a clear error naming the cause, and nothing changes', async () => {
    await sh('m2', 'systemctl stop kube-apiserver');
    try {
      const error = await failure(run(kubeadmJoinCommand, 'm2', { mint: true }));
      expect(error.message).toMatch(/^kubeadm token create failed: failed to create or update bootstrap token/);
      expect(error.hint).toContain('API server is unreachable');
    } finally {
      await sh('m2', 'systemctl start kube-apiserver');
    }
  });
});

describe('secret canary', () => {
  it('no join token, certificate key or client key appears in any result, output, diff, error or progress line', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    const text = shown.join('\n');
    expect(text.length).toBeGreaterThan(10_000);
    for (const { what, value } of secrets) {
      expect(value.length, what).toBeGreaterThan(20);
      expect(text.includes(value), `${what} was shown`).toBe(false);
    }
    expect(text).toContain('***');
  });
});
