// The kube-apiserver double, judged by the real kubectl (v1.31.9) and helm (v3.17.3): what they
// print and exit with against it is what they print and exit with against a real API server.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeClients } from '@meshbook/fleet';
import { type ApiServerFixture, startApiServer } from './apiserver-fixture.js';

const run = promisify(execFile);
const kubectlPath = (await kubeClients()).kubectl;

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const GRACE_SECONDS = 4;

let api: ApiServerFixture;
let nodeKubeconfig: string;

beforeAll(async () => {
  api = await startApiServer([`--node-monitor-grace-period=${GRACE_SECONDS}s`]);
  const node = await api.issueClientCert('worker-1', 'system:node:worker-1', ['system:nodes']);
  nodeKubeconfig = api.kubeconfig('worker-1', { 'client-certificate': node.cert, 'client-key': node.key });
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

/** Several objects in one kubectl input: a v1 List, which kubectl unpacks item by item. */
const list = (items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** A GET as the admin with a chosen Accept header, which kubectl cannot set. */
async function rawGet(path: string, accept: string): Promise<any> {
  const pki = join(api.dir, 'pki');
  return new Promise((resolveBody, reject) => {
    const request = httpsGet({
      host: '127.0.0.1', port: api.port, path, headers: { Accept: accept },
      ca: readFileSync(api.caCert), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')),
    }, (response) => {
      let body = '';
      response.on('data', (c: Buffer) => (body += c.toString()));
      response.on('end', () => resolveBody(JSON.parse(body)));
    });
    request.on('error', reject);
  });
}

/** What a kubelet does: renew its Lease in kube-node-lease, as the node. */
async function renewLease(name: string): Promise<void> {
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') } };
  const result = await api.kubectl(['apply', '--server-side', '--field-manager=kubelet', '-f', '-'], { input: JSON.stringify(lease), kubeconfig: nodeKubeconfig });
  expect(result.stderr).toBe('');
}

describe.sequential('kube-apiserver double with the real kubectl and helm', () => {
  it('serves version and discovery, and lists no nodes on a fresh cluster', async () => {
    const version = await api.kubectl(['version', '-o', 'json']);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe('v1.31.9');
    const nodes = await api.kubectl(['get', 'nodes']);
    expect(nodes).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found\n' });
    // what client-go's metadata client asks for (garbage collectors, operators)
    const metadataOnly = await rawGet('/api/v1/namespaces', 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json');
    expect(metadataOnly.kind).toBe('PartialObjectMetadataList');
    expect(metadataOnly.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const resources = await api.kubectl(['api-resources', '-o', 'name']);
    expect(resources.stdout.split('\n')).toEqual(expect.arrayContaining(['nodes', 'deployments.apps', 'customresourcedefinitions.apiextensions.k8s.io', 'leases.coordination.k8s.io']));
  });

  it('a node registered by its kubelet becomes Ready, and NotReady when its heartbeats stop', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } }, status: { nodeInfo: { kubeletVersion: 'v1.31.9' }, addresses: [{ type: 'InternalIP', address: '10.0.0.11' }] } };
    const created = await api.kubectl(['create', '-f', '-'], { input: JSON.stringify(node), kubeconfig: nodeKubeconfig });
    expect(created).toMatchObject({ code: 0, stdout: 'node/worker-1 created\n' });
    // a node may not write another node
    const other = await api.kubectl(['label', 'node', 'worker-1', 'x=y'], { kubeconfig: api.kubeconfig('worker-2', { 'client-certificate': (await api.issueClientCert('worker-2', 'system:node:worker-2', ['system:nodes'])).cert, 'client-key': join(api.dir, 'pki', 'worker-2.key') }) });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('User "system:node:worker-2" cannot patch resource "nodes"');

    await renewLease('worker-1');
    const wait = await api.kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=20s']);
    expect(wait).toMatchObject({ code: 0, stdout: 'node/worker-1 condition met\n' });
    const table = await api.kubectl(['get', 'nodes']);
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nworker-1\s+Ready\s+<none>\s+\S+\s+v1\.31\.9\n$/);

    // no lease renewals: after the grace period the node turns NotReady
    const stale = await api.kubectl(['wait', '--for=condition=Ready=Unknown', 'node/worker-1', `--timeout=${GRACE_SECONDS + 15}s`]);
    expect(stale.code).toBe(0);
    expect((await api.kubectl(['get', 'node', 'worker-1'])).stdout).toMatch(/worker-1\s+NotReady/);
    const taints = async () => (await api.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}'])).stdout.trim();
    expect(await taints()).toBe('node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute');
    await renewLease('worker-1');
    expect((await api.kubectl(['wait', '--for=condition=Ready', 'node/worker-1', '--timeout=20s'])).code).toBe(0);
    await until(async () => (await taints()) === '');
  }, 60_000);

  it('a DaemonSet rolls out on the Ready nodes its nodeSelector admits', async () => {
    const renewing = setInterval(() => void renewLease('worker-1').catch(() => undefined), 1000);
    try {
      await renewLease('worker-1');
      expect((await api.kubectl(['wait', '--for=condition=Ready', 'node/worker-1', '--timeout=20s'])).code).toBe(0);
      const daemonSet = (name: string, nodeSelector?: Record<string, string>) => ({
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'kube-system' },
        spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'agent', image: 'busybox:1.36' }] } } },
      });
      await api.kubectl(['apply', '-f', '-'], { input: list([daemonSet('agent'), daemonSet('nowhere', { 'node-role.kubernetes.io/gpu': '' })]) });
      expect(await api.kubectl(['rollout', 'status', '-n', 'kube-system', 'daemonset/agent', '--timeout=20s'])).toMatchObject({ code: 0, stdout: 'daemon set "agent" successfully rolled out\n' });
      expect((await api.kubectl(['get', 'ds', '-n', 'kube-system', 'agent'])).stdout).toMatch(/agent\s+1\s+1\s+1\s+1\s+1\s+<none>/);
      expect((await api.kubectl(['get', 'ds', '-n', 'kube-system', 'nowhere', '-o', 'jsonpath={.status.desiredNumberScheduled}'])).stdout).toBe('0');
    } finally {
      clearInterval(renewing);
    }
  });

  it('kubectl apply --server-side twice: the second apply changes nothing; conflicts need --force-conflicts', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data: { a: '1', b: '2' } };
    const first = await api.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(cm) });
    expect(first).toMatchObject({ code: 0, stdout: 'configmap/ssa serverside-applied\n' });
    const rv = (await api.kubectl(['get', 'cm', 'ssa', '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout;
    const second = await api.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(cm) });
    expect(second).toMatchObject({ code: 0, stdout: 'configmap/ssa serverside-applied\n' });
    expect((await api.kubectl(['get', 'cm', 'ssa', '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout).toBe(rv);
    expect((await api.kubectl(['diff', '--server-side', '-f', '-'], { input: JSON.stringify(cm) })).code).toBe(0);

    const managed = JSON.parse((await api.kubectl(['get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'])).stdout).metadata.managedFields;
    expect(managed).toEqual([expect.objectContaining({ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } })]);

    // dropping a field from the applied configuration removes it
    const dropped = await api.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ ...cm, data: { a: '1' } }) });
    expect(dropped.code).toBe(0);
    expect((await api.kubectl(['get', 'cm', 'ssa', '-o', 'jsonpath={.data}'])).stdout).toBe('{"a":"1"}');

    const other = await api.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], { input: JSON.stringify({ ...cm, data: { a: '2' } }) });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a');
    const forced = await api.kubectl(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], { input: JSON.stringify({ ...cm, data: { a: '2' } }) });
    expect(forced.code).toBe(0);
    expect((await api.kubectl(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.a}'])).stdout).toBe('2');
  });

  it('kubectl apply --server-side takes over a client-side applied object, then prunes what it drops', async () => {
    const cm = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'moved', namespace: 'default' }, data });
    expect((await api.kubectl(['apply', '-f', '-'], { input: cm({ a: '1', b: '2' }) })).stdout).toBe('configmap/moved created\n');
    expect((await api.kubectl(['apply', '--server-side', '-f', '-'], { input: cm({ a: '1', b: '2' }) })).stdout).toBe('configmap/moved serverside-applied\n');
    const managers = JSON.parse((await api.kubectl(['get', 'cm', 'moved', '-o', 'json', '--show-managed-fields'])).stdout).metadata.managedFields.map((e: { manager: string }) => e.manager);
    expect(managers).not.toContain('kubectl-client-side-apply');
    expect((await api.kubectl(['apply', '--server-side', '-f', '-'], { input: cm({ a: '1' }) })).code).toBe(0);
    expect((await api.kubectl(['get', 'cm', 'moved', '-o', 'jsonpath={.data}'])).stdout).toBe('{"a":"1"}');
  });

  it('kubectl get --watch prints the changes as they happen', async () => {
    await api.kubectl(['create', 'cm', 'watched']);
    const watcher = spawn(kubectlPath, ['--kubeconfig', join(api.dir, 'admin.kubeconfig'), '--cache-dir', join(api.dir, 'kube-cache'), 'get', 'cm', 'watched', '--watch', '--output-watch-events'], { env: { PATH: process.env.PATH, HOME: api.dir } });
    let out = '';
    watcher.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await until(() => out.includes('ADDED'));
      await api.kubectl(['label', 'cm', 'watched', 'seen=yes']);
      await until(() => out.includes('MODIFIED'));
      await api.kubectl(['delete', 'cm', 'watched']);
      await until(() => out.includes('DELETED'));
      expect(out).toMatch(/^EVENT\s+NAME\s+DATA\s+AGE\nADDED\s+watched\s+0\s+\S+\nMODIFIED\s+watched\s+0\s+\S+\nDELETED\s+watched\s+0\s+\S+\n$/);
    } finally {
      watcher.kill();
    }
  });

  it('client-side kubectl apply twice reports unchanged, kubectl diff is empty, rollout status returns', async () => {
    const manifest = list([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }] } } },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } },
    ]);
    const first = await api.kubectl(['apply', '-f', '-'], { input: manifest });
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0, stdout: 'namespace/shop created\ndeployment.apps/web created\nservice/web created\n' });
    const second = await api.kubectl(['apply', '-f', '-'], { input: manifest });
    expect(second).toMatchObject({ code: 0, stdout: 'namespace/shop unchanged\ndeployment.apps/web unchanged\nservice/web unchanged\n' });
    expect(await api.kubectl(['diff', '-f', '-'], { input: manifest })).toMatchObject({ code: 0, stdout: '' });
    const changed = await api.kubectl(['diff', '-f', '-'], { input: manifest.replace('nginx:1.27', 'nginx:1.28') });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('+        image: nginx:1.28');

    expect(await api.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/web', '--timeout=20s'])).toMatchObject({ code: 0, stdout: 'deployment "web" successfully rolled out\n' });
    const svc = JSON.parse((await api.kubectl(['get', 'svc', '-n', 'shop', 'web', '-o', 'json'])).stdout);
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);

    // a new template is a new rollout, which the watch-based rollout status follows
    await api.kubectl(['set', 'image', '-n', 'shop', 'deployment/web', 'web=nginx:1.28']);
    expect((await api.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/web', '--timeout=20s'])).stdout).toContain('successfully rolled out');
    expect((await api.kubectl(['rollout', 'history', '-n', 'shop', 'deployment/web'])).stdout).toMatch(/1\s+<none>\n2\s+<none>/);
    expect((await api.kubectl(['rollout', 'undo', '-n', 'shop', 'deployment/web'])).stdout).toBe('deployment.apps/web rolled back\n');
    expect((await api.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/web', '--timeout=20s'])).code).toBe(0);
    expect((await api.kubectl(['get', 'deploy', '-n', 'shop', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).stdout).toBe('nginx:1.27');
    expect((await api.kubectl(['rollout', 'history', '-n', 'shop', 'deployment/web'])).stdout).toMatch(/\n2\s+<none>\n3\s+<none>\n/);
    const events = await api.kubectl(['get', 'events', '-n', 'shop', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={.items[*].message}']);
    expect(events.stdout).toMatch(/Scaled up replica set web-\w+ to 2/);
  });

  it('answers NotFound, AlreadyExists and Conflict as Status objects kubectl prints', async () => {
    expect(await api.kubectl(['get', 'cm', 'nope'])).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): configmaps "nope" not found\n' });
    expect((await api.kubectl(['create', 'cm', 'twice'])).code).toBe(0);
    expect(await api.kubectl(['create', 'cm', 'twice'])).toMatchObject({ code: 1, stderr: 'error: failed to create configmap: configmaps "twice" already exists\n' });
    const stale = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice', namespace: 'default', resourceVersion: '1' }, data: { x: 'y' } };
    const replaced = await api.kubectl(['replace', '-f', '-'], { input: JSON.stringify(stale) });
    expect(replaced.code).toBe(1);
    expect(replaced.stderr).toContain('Operation cannot be fulfilled on configmaps "twice": the object has been modified; please apply your changes to the latest version and try again');
    const dryRun = await api.kubectl(['create', 'cm', 'dry', '--dry-run=server', '-o', 'json']);
    expect(JSON.parse(dryRun.stdout).metadata.uid).toBeTruthy();
    expect((await api.kubectl(['get', 'cm', 'dry'])).code).toBe(1);
    const selected = await api.kubectl(['get', 'ns', '-l', 'kubernetes.io/metadata.name in (shop,kube-public)', '-o', 'name']);
    expect(selected.stdout).toBe('namespace/kube-public\nnamespace/shop\n');
    const byField = await api.kubectl(['get', 'cm', '-A', '--field-selector', 'metadata.name=twice', '-o', 'name']);
    expect(byField.stdout).toBe('configmap/twice\n');
  });

  it('refuses what the real server refuses, in its words: immutable selectors, bad labels, bad base64', async () => {
    const deployment = (app: string) => JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fixed', namespace: 'default' },
      spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    expect((await api.kubectl(['apply', '-f', '-'], { input: deployment('one') })).code).toBe(0);
    const moved = await api.kubectl(['apply', '-f', '-'], { input: deployment('two') });
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('The Deployment "fixed" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"two"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
    const label = await api.kubectl(['patch', 'cm', 'twice', '--type=merge', '-p', '{"metadata":{"labels":{"bad":"-x-"}}}']);
    expect(label.code).toBe(1);
    expect(label.stderr).toContain('The ConfigMap "twice" is invalid: metadata.labels: Invalid value: "-x-": a valid label must be an empty string');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad', namespace: 'default' }, data: { key: 'not base64!' } };
    const decoded = await api.kubectl(['create', '-f', '-'], { input: JSON.stringify(secret) });
    expect(decoded.code).toBe(1);
    expect(decoded.stderr).toContain('illegal base64 data');
    const numeric = JSON.parse(deployment('one'));
    numeric.spec.template.spec.containers[0].env = [{ name: 'PORT', value: 8080 }];
    const typed = await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(numeric) });
    expect(typed.code).toBe(1);
    expect(typed.stderr).toContain('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string');
    expect((await api.kubectl(['delete', 'deployment', 'fixed'])).code).toBe(0);
  });

  it('a CRD makes its kind servable: an object of it is applied, listed, and validated by its schema', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
          additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        }],
      },
    };
    expect((await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) })).stdout).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
    expect((await api.kubectl(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=10s'])).code).toBe(0);
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 3 } };
    expect(await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widget) })).toMatchObject({ code: 0, stdout: 'widget.example.com/w1 created\n' });
    expect(await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widget) })).toMatchObject({ code: 0, stdout: 'widget.example.com/w1 unchanged\n' });
    expect((await api.kubectl(['get', 'wd'])).stdout).toMatch(/^NAME\s+SIZE\nw1\s+3\n$/);
    const unknown = await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ ...widget, spec: { size: 3, colour: 'red' } }) });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('strict decoding error: unknown field "spec.colour"');
    const patched = await api.kubectl(['patch', 'wd', 'w1', '--type=strategic', '-p', '{"spec":{"size":4}}']);
    expect(patched.stderr).toContain('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    expect((await api.kubectl(['patch', 'wd', 'w1', '--type=merge', '-p', '{"spec":{"size":4}}'])).stdout).toBe('widget.example.com/w1 patched\n');
  });

  it('LoadBalancer Services stay pending until a MetalLB IPAddressPool exists, then get an address from it', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'edge' }, ports: [{ port: 443 }] } };
    await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(svc) });
    expect((await api.kubectl(['get', 'svc', 'edge'])).stdout).toMatch(/edge\s+LoadBalancer\s+\S+\s+<pending>\s+443:3\d{4}\/TCP/);
    const poolCrd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'ipaddresspools.metallb.io' },
      spec: {
        group: 'metallb.io', scope: 'Namespaced', names: { plural: 'ipaddresspools', singular: 'ipaddresspool', kind: 'IPAddressPool' },
        versions: [{ name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { addresses: { type: 'array', items: { type: 'string' } }, autoAssign: { type: 'boolean' } } } } } } }],
      },
    };
    await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(poolCrd) });
    await api.kubectl(['create', 'namespace', 'metallb-system']);
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'lab', namespace: 'metallb-system' }, spec: { addresses: ['172.18.255.200-172.18.255.210'] } };
    expect((await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pool) })).code).toBe(0);
    const assigned = await api.kubectl(['wait', '--for=jsonpath={.status.loadBalancer.ingress[0].ip}=172.18.255.200', 'svc/edge', '--timeout=20s']);
    expect(assigned).toMatchObject({ code: 0, stdout: 'service/edge condition met\n' });
  });

  it('helm upgrade --install twice bumps the revision; get values, status and uninstall work', async () => {
    const chart = join(api.dir, 'chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'values.yaml'), 'replicas: 1\nmessage: hello\n');
    writeFileSync(join(chart, 'templates', 'all.yaml'), [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\nspec:\n  selector: {app: {{ .Release.Name }}}\n  ports:\n  - port: 80',
    ].join('\n---\n'));
    const install = ['upgrade', '--install', 'demo', chart, '--namespace', 'apps', '--create-namespace', '--wait', '--timeout', '60s', '--set', 'message=hi'];
    const first = await api.helm(install);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('STATUS: deployed\nREVISION: 1\n');
    const second = await api.helm(install);
    expect(second.stdout).toContain('STATUS: deployed\nREVISION: 2\n');
    expect(JSON.parse((await api.helm(['get', 'values', 'demo', '-n', 'apps', '-o', 'json'])).stdout)).toEqual({ message: 'hi' });
    const status = JSON.parse((await api.helm(['status', 'demo', '-n', 'apps', '-o', 'json'])).stdout);
    expect(status).toMatchObject({ name: 'demo', namespace: 'apps', version: 2, info: { status: 'deployed' } });
    expect((await api.kubectl(['get', 'cm', '-n', 'apps', 'demo-config', '-o', 'jsonpath={.data.message}'])).stdout).toBe('hi');
    const releases = (await api.kubectl(['get', 'secrets', '-n', 'apps', '-l', 'owner=helm', '-o', 'name'])).stdout;
    expect(releases).toBe('secret/sh.helm.release.v1.demo.v1\nsecret/sh.helm.release.v1.demo.v2\n');

    expect(await api.helm(['uninstall', 'demo', '-n', 'apps', '--wait'])).toMatchObject({ code: 0, stdout: 'release "demo" uninstalled\n' });
    expect((await api.kubectl(['get', 'deploy,svc,secrets', '-n', 'apps', '-o', 'name'])).stdout).toBe('');
    expect((await api.kubectl(['get', 'rs', '-n', 'apps', '-o', 'name'])).stdout).toBe('');
  }, 120_000);

  it('judges other users by RBAC: nothing until bound, then what the role allows where it is bound', async () => {
    const jane = await api.issueClientCert('jane', 'jane', ['devs']);
    const kubeconfig = api.kubeconfig('jane', { 'client-certificate': jane.cert, 'client-key': jane.key });
    expect(await api.kubectl(['get', 'cm', '-n', 'shop'], { kubeconfig })).toMatchObject({ code: 1, stderr: 'Error from server (Forbidden): configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "shop"\n' });
    expect((await api.kubectl(['create', 'rolebinding', 'devs-view', '-n', 'shop', '--clusterrole=view', '--group=devs'])).code).toBe(0);
    expect((await api.kubectl(['get', 'cm', '-n', 'shop', '-o', 'name'], { kubeconfig })).code).toBe(0);
    expect((await api.kubectl(['get', 'cm', '-n', 'default'], { kubeconfig })).code).toBe(1);
    expect((await api.kubectl(['create', 'cm', 'x', '-n', 'shop'], { kubeconfig })).stderr).toContain('User "jane" cannot create resource "configmaps"');
  });

  it('refuses a client certificate from another CA, and a wrong bootstrap token, with 401', async () => {
    const otherCa = await api.newCa('other-ca');
    const rogue = await api.issueClientCert('rogue', 'kubernetes-admin', ['system:masters'], otherCa);
    const kubeconfig = api.kubeconfig('rogue', { 'client-certificate': rogue.cert, 'client-key': rogue.key });
    expect(await api.kubectl(['get', 'nodes'], { kubeconfig })).toMatchObject({ code: 1, stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
    const wrongToken = api.kubeconfig('wrong-token', { token: 'abcdef.0123456789abcdef' });
    expect(await api.kubectl(['get', 'nodes'], { kubeconfig: wrongToken })).toMatchObject({ code: 1, stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
  });

  it('a bootstrap token may read cluster-info and its node and gets a kubelet client certificate signed', async () => {
    const secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      stringData: { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' },
    };
    expect((await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(secret) })).code).toBe(0);
    const token = api.kubeconfig('bootstrap', { token: 'abcdef.0123456789abcdef' });
    expect((await api.kubectl(['get', 'node', 'worker-1', '-o', 'name'], { kubeconfig: token })).stdout).toBe('node/worker-1\n');
    const list = await api.kubectl(['get', 'secrets', '-n', 'kube-system'], { kubeconfig: token });
    expect(list.stderr).toBe('Error from server (Forbidden): secrets is forbidden: User "system:bootstrap:abcdef" cannot list resource "secrets" in API group "" in the namespace "kube-system"\n');

    expect((await api.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: token })).stdout).toBe('system:bootstrap:abcdef');
    expect(await api.kubectl(['auth', 'can-i', 'create', 'certificatesigningrequests'], { kubeconfig: token })).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await api.kubectl(['auth', 'can-i', 'delete', 'nodes'], { kubeconfig: token })).toMatchObject({ code: 1, stdout: 'no\n' });

    const pki = join(api.dir, 'pki');
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'kubelet.key', '-out', 'kubelet.csr', '-subj', '/O=system:nodes/CN=system:node:worker-3'], { cwd: pki });
    const csr = {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'node-csr-worker-3' },
      spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'key encipherment', 'client auth'], request: readFileSync(join(pki, 'kubelet.csr')).toString('base64') },
    };
    expect((await api.kubectl(['create', '-f', '-'], { input: JSON.stringify(csr), kubeconfig: token })).code).toBe(0);
    const issued = await api.kubectl(['wait', '--for=jsonpath={.status.certificate}', 'csr/node-csr-worker-3', '--timeout=20s']);
    expect(issued.code).toBe(0);
    const got = JSON.parse((await api.kubectl(['get', 'csr', 'node-csr-worker-3', '-o', 'json'])).stdout);
    expect(got.spec.username).toBe('system:bootstrap:abcdef');
    expect(got.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'AutoApproved' });
    writeFileSync(join(pki, 'kubelet.crt'), Buffer.from(got.status.certificate, 'base64'));
    const verified = await run('openssl', ['verify', '-CAfile', api.caCert, join(pki, 'kubelet.crt')]);
    expect(verified.stdout).toContain('kubelet.crt: OK');
    const nodeConfig = api.kubeconfig('worker-3', { 'client-certificate': join(pki, 'kubelet.crt'), 'client-key': join(pki, 'kubelet.key') });
    const whoCanCreate = await api.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-3' } }), kubeconfig: nodeConfig });
    expect(whoCanCreate).toMatchObject({ code: 0, stdout: 'node/worker-3 created\n' });
  });

  it('deleting a CRD deletes its objects; deleting a Deployment its ReplicaSets', async () => {
    expect((await api.kubectl(['get', 'rs', '-n', 'shop', '-o', 'name'])).stdout).not.toBe('');
    expect((await api.kubectl(['delete', 'deployment', '-n', 'shop', 'web'])).code).toBe(0);
    expect((await api.kubectl(['get', 'rs', '-n', 'shop', '-o', 'name'])).stdout).toBe('');
    await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'gone', namespace: 'default' }, spec: { size: 1 } }) });
    expect((await api.kubectl(['delete', 'crd', 'widgets.example.com'])).code).toBe(0);
    await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } }) });
    expect((await api.kubectl(['get', 'widgets', '-o', 'name'])).stdout).toBe('');
    await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 3 } }) });
  });

  it('keeps its state across a restart, resourceVersions moving on', async () => {
    const before = JSON.parse((await api.kubectl(['get', 'cm', 'ssa', '-o', 'json'])).stdout);
    await api.restart();
    const after = JSON.parse((await api.kubectl(['get', 'cm', 'ssa', '-o', 'json'])).stdout);
    expect(after.metadata).toMatchObject({ uid: before.metadata.uid, resourceVersion: before.metadata.resourceVersion, creationTimestamp: before.metadata.creationTimestamp });
    expect((await api.kubectl(['get', 'wd', 'w1', '-o', 'name'])).stdout).toBe('widget.example.com/w1\n');
    await api.kubectl(['label', 'cm', 'ssa', 'restarted=yes']);
    const relabelled = JSON.parse((await api.kubectl(['get', 'cm', 'ssa', '-o', 'json'])).stdout);
    expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
  });
});
