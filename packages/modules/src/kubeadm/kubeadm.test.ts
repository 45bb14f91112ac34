import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KnownAfterApply, Secret } from '@meshbook/engine';
import { describePlanFixtures } from '../testing/plan-fixtures.js';
import { absentFile, textFile } from '../lib/file-state-fixtures.js';
import { kubeadmConfig } from './config.js';
import { kubeadmInit } from './init.js';
import { kubeadmJoin } from './join.js';
import { kubeadmJoinCommand } from './join-command.js';
import { kubeadmNode } from './node.js';
import { renderJoinConfiguration, renderKubeadmInitConfig } from './render.js';
import { parseKubeadmVersion } from './version.js';

const PATH = '/etc/kubernetes/kubeadm-config.yaml';
const v131 = parseKubeadmVersion('v1.31.9');
const v130 = parseKubeadmVersion('v1.30.4');

/** Seed 000-08, cluster ayaka. */
const ayaka = {
  controlPlaneEndpoint: 'jin-ayaka-master-1:6443',
  clusterName: 'cluster-ayk',
  certSANs: ['127.0.0.1', 'localhost', '10.20.31.10'],
  apiServerExtraArgs: { 'authorization-mode': 'Node,RBAC', 'enable-aggregator-routing': 'true' },
  timeoutForControlPlane: '4m0s',
  etcdDataDir: '/var/lib/etcd',
  imageRepository: 'registry.k8s.io',
  kubernetesVersion: 'stable',
  podSubnet: '10.242.0.0/16',
  serviceSubnet: '10.92.0.0/16',
};
const rendered131 = renderKubeadmInitConfig('kubeadm.k8s.io/v1beta4', kubeadmConfig.parse(ayaka));

describe('kubeadm configuration rendering', () => {
  it('v1beta4 (kubeadm 1.31+): extraArgs as a name/value list, the control-plane timeout under InitConfiguration.timeouts', () => {
    expect(rendered131).toBe(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
timeouts:
  controlPlaneComponentHealthCheck: 4m0s
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: cluster-ayk
controlPlaneEndpoint: jin-ayaka-master-1:6443
kubernetesVersion: stable
imageRepository: registry.k8s.io
apiServer:
  certSANs:
    - 127.0.0.1
    - localhost
    - 10.20.31.10
  extraArgs:
    - name: authorization-mode
      value: Node,RBAC
    - name: enable-aggregator-routing
      value: "true"
etcd:
  local:
    dataDir: /var/lib/etcd
networking:
  podSubnet: 10.242.0.0/16
  serviceSubnet: 10.92.0.0/16
`);
  });

  it('v1beta3 (kubeadm < 1.31): extraArgs as a map and apiServer.timeoutForControlPlane, as the seed wrote it', () => {
    const [init, cluster] = parseAllDocuments(renderKubeadmInitConfig('kubeadm.k8s.io/v1beta3', kubeadmConfig.parse(ayaka))).map((d) => d.toJS());
    expect(init).toEqual({ apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration' });
    expect(cluster.apiServer).toEqual({
      certSANs: ['127.0.0.1', 'localhost', '10.20.31.10'],
      extraArgs: { 'authorization-mode': 'Node,RBAC', 'enable-aggregator-routing': 'true' },
      timeoutForControlPlane: '4m0s',
    });
  });

  it('values YAML would misread are quoted by the YAML library, and read back as given', () => {
    const p = kubeadmConfig.parse({ ...ayaka, apiServerExtraArgs: { 'audit-policy-file': '/etc/a: b # not a comment', 'v': 2, 'anonymous-auth': false } });
    const [, cluster] = parseAllDocuments(renderKubeadmInitConfig('kubeadm.k8s.io/v1beta4', p)).map((d) => d.toJS());
    expect(cluster.apiServer.extraArgs).toEqual([
      { name: 'audit-policy-file', value: '/etc/a: b # not a comment' },
      { name: 'v', value: '2' },
      { name: 'anonymous-auth', value: 'false' },
    ]);
  });

  it('node settings go to InitConfiguration (v1beta3 kubelet args as a map)', () => {
    const p = kubeadmConfig.parse({ advertiseAddress: '10.7.0.2', nodeName: 'm1', kubeletExtraArgs: { 'node-ip': '10.7.0.2' } });
    const [init] = parseAllDocuments(renderKubeadmInitConfig('kubeadm.k8s.io/v1beta3', p)).map((d) => d.toJS());
    expect(init).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'InitConfiguration',
      localAPIEndpoint: { advertiseAddress: '10.7.0.2' },
      nodeRegistration: { name: 'm1', kubeletExtraArgs: { 'node-ip': '10.7.0.2' } },
    });
  });

  it('a JoinConfiguration holds discovery, and the certificate key only for a control-plane join', () => {
    const base = { endpoint: '10.0.0.10:6443', token: 'abcdef.0123456789abcdef', caCertHash: `sha256:${'a'.repeat(64)}`, kubeletExtraArgs: {}, ignorePreflightErrors: [], discoveryTimeout: '30s' };
    const [v4] = parseAllDocuments(renderJoinConfiguration('kubeadm.k8s.io/v1beta4', base)).map((d) => d.toJS());
    expect(v4).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'JoinConfiguration',
      discovery: { bootstrapToken: { apiServerEndpoint: '10.0.0.10:6443', token: 'abcdef.0123456789abcdef', caCertHashes: [base.caCertHash] } },
      timeouts: { discovery: '30s' },
    });
    const [v3] = parseAllDocuments(renderJoinConfiguration('kubeadm.k8s.io/v1beta3', { ...base, certificateKey: 'f'.repeat(64) })).map((d) => d.toJS());
    expect(v3.discovery.timeout).toBe('30s');
    expect(v3.controlPlane).toEqual({ certificateKey: 'f'.repeat(64) });
  });
});

describePlanFixtures(
  kubeadmConfig,
  [
    {
      name: 'kubeadm 1.31 on a fresh host: v1beta4 file',
      params: ayaka,
      facts: { version: v131, file: absentFile(PATH) },
      changes: [{ kind: 'kubeadm_config.file', target: PATH, summary: 'create (kubeadm.k8s.io/v1beta4)', payload: { path: PATH, content: rendered131 } }],
    },
    {
      name: 'kubeadm 1.30: v1beta3',
      params: ayaka,
      facts: { version: v130, file: absentFile(PATH) },
      changes: [{ kind: 'kubeadm_config.file', target: PATH, summary: 'create (kubeadm.k8s.io/v1beta3)' }],
    },
    {
      name: 'the file as rendered: nothing to do',
      params: ayaka,
      facts: { version: v131, file: textFile(PATH, rendered131, { mode: '0600' }) },
      changes: [],
    },
    {
      name: 'kubeadm upgraded to 1.31 under a v1beta3 file: rewritten as v1beta4',
      params: ayaka,
      facts: { version: v131, file: textFile(PATH, renderKubeadmInitConfig('kubeadm.k8s.io/v1beta3', kubeadmConfig.parse(ayaka)), { mode: '0600' }) },
      changes: [{ kind: 'kubeadm_config.file', target: PATH, summary: 'update (kubeadm.k8s.io/v1beta4)' }],
    },
    {
      name: 'a world-readable file is tightened',
      params: ayaka,
      facts: { version: v131, file: textFile(PATH, rendered131, { mode: '0644' }) },
      changes: [{ kind: 'kubeadm_config.file', target: PATH, summary: 'mode/owner 0644 root → 0600 root' }],
    },
    {
      name: 'kubeadm not installed yet (check mode on a fresh host): known after apply',
      params: ayaka,
      facts: { version: null, file: absentFile(PATH) },
      changes: [{ kind: 'kubeadm_config.kubeadm_missing', target: PATH }],
    },
    {
      name: 'kubeadmVersion given: rendered for it whatever is installed',
      params: { ...ayaka, kubeadmVersion: 'v1.29.0' },
      facts: { version: null, file: absentFile(PATH) },
      changes: [{ kind: 'kubeadm_config.file', target: PATH, summary: 'create (kubeadm.k8s.io/v1beta3)' }],
    },
  ],
  [
    { name: 'a pod subnet that is no CIDR', params: { ...ayaka, podSubnet: '10.242.0.0/33' }, error: /kubeadmConfig\.podSubnet: a CIDR/ },
    { name: 'a certSAN with a space', params: { ...ayaka, certSANs: ['localhost', 'a b'] }, error: /certSANs\[1\]/ },
    { name: 'an endpoint with a path', params: { ...ayaka, controlPlaneEndpoint: 'm1:6443/x' }, error: /controlPlaneEndpoint/ },
    { name: 'an extra arg value with a newline', params: { ...ayaka, apiServerExtraArgs: { 'authorization-mode': 'Node\nRBAC' } }, error: /apiServerExtraArgs.*single-line/ },
    { name: 'an extra arg name with dashes', params: { ...ayaka, apiServerExtraArgs: { '--authorization-mode': 'Node' } }, error: /apiServerExtraArgs/ },
    { name: 'an uppercase cluster name', params: { ...ayaka, clusterName: 'Cluster_AYK' }, error: /clusterName/ },
    { name: 'a kubernetes version label kubeadm does not know', params: { ...ayaka, kubernetesVersion: 'newest' }, error: /kubernetesVersion/ },
    { name: 'a timeout that is no Go duration', params: { ...ayaka, timeoutForControlPlane: '4 minutes' }, error: /timeoutForControlPlane/ },
    { name: 'a relative etcd dataDir', params: { ...ayaka, etcdDataDir: 'var/lib/etcd' }, error: /etcdDataDir/ },
    { name: 'an unknown field', params: { ...ayaka, networking: {} }, error: /networking/ },
  ],
);

describe('kubeadmConfig plan', () => {
  it('refuses kubeadm older than 1.22 (no v1beta3)', () => {
    expect(() => kubeadmConfig.definition.plan({ version: parseKubeadmVersion('v1.21.0'), file: absentFile(PATH) }, kubeadmConfig.parse(ayaka))).toThrow(/too old/);
  });
});

const ADMIN = '/etc/kubernetes/admin.conf';
describePlanFixtures(
  kubeadmInit,
  [
    {
      name: 'a fresh node: init with the seed\'s flags',
      params: { skipPhases: ['addon/kube-proxy'], uploadCerts: true },
      facts: { admin: absentFile(ADMIN) },
      changes: [
        {
          kind: 'kubeadm_init.init',
          target: `control plane (${PATH})`,
          summary: `kubeadm init --config ${PATH} --skip-phases=addon/kube-proxy --upload-certs`,
          payload: { config: PATH, skipPhases: ['addon/kube-proxy'], uploadCerts: true, ignorePreflightErrors: [] },
        },
      ],
    },
    { name: 'an initialised node (admin.conf exists): nothing', params: { uploadCerts: true }, facts: { admin: textFile(ADMIN, '', { mode: '0600' }) }, changes: [] },
  ],
  [
    { name: 'a phase with shell metacharacters', params: { skipPhases: ['addon/kube-proxy;reboot'] }, error: /skipPhases\[0\]/ },
    { name: 'a relative config path', params: { config: 'kubeadm.yaml' }, error: /kubeadmInit\.config/ },
  ],
);

describePlanFixtures(
  kubeadmJoinCommand,
  [
    { name: 'no node left to join: no token minted', params: { mint: false }, facts: {}, changes: [] },
    {
      name: 'a node to join: a token, short-lived',
      params: { mint: true },
      facts: {},
      changes: [{ kind: 'kubeadm_join_command.mint', target: 'bootstrap token', payload: { ttl: '1h0m0s', controlPlane: false } }],
    },
    {
      name: 'a control-plane node to join: the certificates uploaded too',
      params: { mint: true, controlPlane: true, ttl: '30m' },
      facts: {},
      changes: [{ kind: 'kubeadm_join_command.mint', target: 'bootstrap token', payload: { ttl: '30m', controlPlane: true } }],
    },
  ],
  [{ name: 'mint left out', params: {}, error: /kubeadmJoinCommand\.mint/ }],
);

const TOKEN = 'k8swxy.0123456789abcdef';
const HASH = `sha256:${'3'.repeat(64)}`;
const KEY = 'c'.repeat(64);
const KUBELET = '/etc/kubernetes/kubelet.conf';
const joinCommand = { endpoint: '10.48.10.11:6443', token: new Secret(TOKEN), caCertHash: HASH };

describePlanFixtures(
  kubeadmJoin,
  [
    {
      name: 'a worker not joined yet: joins; the summary names endpoint and CA, not the token',
      params: { joinCommand, kubeletExtraArgs: { 'node-ip': '10.7.0.3' } },
      facts: { kubeletConf: absentFile(KUBELET), version: v131 },
      changes: [{ kind: 'kubeadm_join.join', target: '10.48.10.11:6443', summary: 'join the cluster at 10.48.10.11:6443 as a worker (CA sha256:333333333333…)' }],
    },
    { name: 'a joined worker: nothing, whatever the join command', params: { joinCommand }, facts: { kubeletConf: textFile(KUBELET, ''), version: v131 }, changes: [] },
    { name: 'a joined worker needs no join command', params: { joinCommand: null }, facts: { kubeletConf: textFile(KUBELET, ''), version: v131 }, changes: [] },
    {
      name: 'kubeadm not installed yet: known after apply',
      params: { joinCommand },
      facts: { kubeletConf: absentFile(KUBELET), version: null },
      changes: [{ kind: 'kubeadm_join.kubeadm_missing', target: '10.48.10.11:6443' }],
    },
    {
      name: 'a control-plane join carries the certificate key',
      params: { joinCommand: { ...joinCommand, certificateKey: KEY }, controlPlane: true, advertiseAddress: '10.48.10.12' },
      facts: { kubeletConf: absentFile(KUBELET), version: v130 },
      changes: [{ kind: 'kubeadm_join.join', target: '10.48.10.11:6443', summary: 'join the cluster at 10.48.10.11:6443 as a control-plane node (CA sha256:333333333333…)' }],
    },
  ],
  [
    { name: 'a malformed token, without quoting it', params: { joinCommand: { ...joinCommand, token: 'NOT-A-TOKEN-SECRETVALUE' } }, error: /joinCommand\.token: a bootstrap token.*\(the value is not shown\)/ },
    { name: 'a CA hash without sha256:', params: { joinCommand: { ...joinCommand, caCertHash: '3'.repeat(64) } }, error: /joinCommand\.caCertHash/ },
    { name: 'an endpoint without port', params: { joinCommand: { ...joinCommand, endpoint: '10.48.10.11' } }, error: /joinCommand\.endpoint/ },
    { name: 'a control-plane join without the key', params: { joinCommand, controlPlane: true }, error: /certificateKey: a control-plane join needs/ },
  ],
);

describe('kubeadmJoin plan', () => {
  it('a node not joined and no join command: a clear error saying what to do', () => {
    const p = kubeadmJoin.parse({ joinCommand: null });
    expect(() => kubeadmJoin.definition.plan({ kubeletConf: absentFile(KUBELET), version: v131 }, p)).toThrow(/not joined .* no join command was given/);
  });

  it('the token and key are in the payload as Secrets, nowhere in what is shown', () => {
    const p = kubeadmJoin.parse({ joinCommand: { ...joinCommand, certificateKey: KEY }, controlPlane: true });
    const [change] = kubeadmJoin.definition.plan({ kubeletConf: absentFile(KUBELET), version: v131 }, p);
    expect(JSON.stringify(change)).not.toContain(TOKEN);
    expect(JSON.stringify(change)).not.toContain(KEY);
    expect(change!.kind === 'kubeadm_join.join' && change!.payload.token.reveal()).toBe(TOKEN);
  });

  it('a join command known only after apply (check mode) is left to the engine', () => {
    const pending = new KnownAfterApply('join command of m1');
    expect(kubeadmJoin.atBoundary({ joinCommand: pending })).toEqual({ knownAfterApply: [pending] });
  });
});

describe('kubeadm version', () => {
  it('reads kubeadm version -o short', () => {
    expect(parseKubeadmVersion('v1.31.9\n')).toEqual({ major: 1, minor: 31, patch: 9, text: 'v1.31.9' });
    expect(parseKubeadmVersion('v1.30.0-rc.1')).toMatchObject({ minor: 30 });
    expect(parseKubeadmVersion('kubeadm: command not found')).toBeNull();
  });
});

describe('kubeadmNode', () => {
  it('reads the node\'s state from kubeadm\'s files and never plans a change', () => {
    const p = kubeadmNode.parse(undefined);
    const facts = { admin: absentFile(ADMIN), kubelet: textFile(KUBELET, '') };
    expect(kubeadmNode.definition.plan(facts, p)).toEqual([]);
    expect(kubeadmNode.definition.output!(facts, p)).toEqual({ initialized: false, joined: true });
  });
});
