// `cilium clustermesh enable --service-type NodePort|LoadBalancer`: the objects the chart renders
// with clustermesh.useAPIServer=true (Service, Deployment, certificate Secrets signed by the
// cilium CA), created through the API, and the clustermesh-apiserver double started on this host.
// The real CLI gets the same objects by upgrading the Helm release; this double writes them itself.
import { resources, type KubeClient, type KubeObject } from '../kube-client.js';
import { chainsTo, generateCa, issueCertificate, keyMatches, type KeyPair, type LeafSpec } from '../pki.js';
import { ensureDaemon } from '../host-daemon.js';
import { FatalError, type CommandContext } from '../context.js';
import { readClusterIdentity, readSecret } from '../../clustermesh/cluster-state.js';
import { networkInterfaces } from 'node:os';
import {
  adminCertSecret,
  caSecretName,
  defaultNodePort,
  deploymentName,
  meshDomain,
  remoteCertSecret,
  runsOnNodeAnnotation,
  serverCertSecret,
  serviceName,
  servicePort,
} from '../../clustermesh/names.js';
import { encodeSecretData, validClusterName } from '../../clustermesh/peer-config.js';

const appLabels = { 'k8s-app': 'clustermesh-apiserver', 'app.kubernetes.io/part-of': 'cilium', 'app.kubernetes.io/name': 'clustermesh-apiserver' };

type ServiceObj = KubeObject & { spec?: { type?: string; ports?: { port: number; nodePort?: number; targetPort?: number; protocol?: string; name?: string }[] } };
type DaemonSetObj = KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } };

/**
 * Helm's ownership marks: in production `enable` is a `helm upgrade` of the cilium release, so
 * these objects belong to it; marked so, a later `helm upgrade` that renders them adopts them
 * instead of failing on objects it does not own.
 */
export function releaseOwnership(release: string, ns: string) {
  return {
    labels: { 'app.kubernetes.io/managed-by': 'Helm' },
    annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': ns },
  };
}

type Ownership = ReturnType<typeof releaseOwnership>;

export function validateServiceType(value: string | undefined): 'NodePort' | 'LoadBalancer' {
  if (!value) throw new FatalError("cannot auto-detect service type, please specify using '--service-type' option");
  if (value !== 'NodePort' && value !== 'LoadBalancer') throw new FatalError(`service type "${value}" is not valid`);
  return value;
}

async function ciliumVersion(client: KubeClient, ns: string): Promise<string> {
  const ds = await client.getOrUndefined<DaemonSetObj>(resources.daemonsets, ns, 'cilium');
  const image = ds?.spec?.template?.spec?.containers?.[0]?.image ?? '';
  const m = /:v?(\d+\.\d+\.\d+[^@]*)/.exec(image);
  return m ? m[1]! : '1.16.5';
}

async function ensureCa(ctx: CommandContext, client: KubeClient, ns: string, own: Ownership): Promise<KeyPair> {
  const data = await readSecret(client, ns, caSecretName);
  if (data?.['ca.crt'] && data['ca.key']) {
    const ca = { certPem: data['ca.crt'], keyPem: data['ca.key'] };
    if (!keyMatches(ca)) {
      throw new FatalError(`secret "${caSecretName}" in namespace ${ns}: ca.key does not belong to ca.crt; copy both keys again from the cluster whose CA this one should share`);
    }
    ctx.log(`🔑 Found existing CA in secret ${caSecretName}`);
    return ca;
  }
  if (data) throw new FatalError(`secret "${caSecretName}" exists but lacks ca.crt or ca.key; delete it or restore it from the cluster it was copied from`);
  const ca = generateCa();
  await client.create(resources.secrets, ns, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: caSecretName, namespace: ns, labels: own.labels, annotations: own.annotations },
    type: 'Opaque',
    data: encodeSecretData({ 'ca.crt': ca.certPem, 'ca.key': ca.keyPem }),
  });
  ctx.log(`🔑 Created CA in secret ${caSecretName}`);
  return ca;
}

/** Issues (or keeps) one certificate Secret; true when it was (re)written. */
async function ensureCertSecret(client: KubeClient, ns: string, name: string, ca: KeyPair, spec: LeafSpec, own: Ownership): Promise<boolean> {
  const data = await readSecret(client, ns, name);
  const current = data?.['tls.crt'] && data['tls.key'] ? { certPem: data['tls.crt'], keyPem: data['tls.key'] } : undefined;
  // Kept when signed by the current CA, whoever issued it (the chart's helm certgen included).
  if (current && chainsTo(current.certPem, ca.certPem) && keyMatches(current)) return false;
  const leaf = issueCertificate(ca, spec);
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/part-of': 'cilium', ...own.labels }, annotations: own.annotations },
    type: 'kubernetes.io/tls',
    data: encodeSecretData({ 'ca.crt': ca.certPem, 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }),
  };
  if (data) {
    // Re-issued in place: whoever owns the Secret (the chart, or us) keeps it.
    const existing = await client.get(resources.secrets, ns, name);
    const metadata = { ...existing.metadata, labels: { ...body.metadata.labels, ...existing.metadata.labels }, annotations: { ...body.metadata.annotations, ...(existing.metadata.annotations ?? {}) } };
    await client.replace(resources.secrets, ns, { ...body, metadata });
  } else {
    await client.create(resources.secrets, ns, body);
  }
  return true;
}

async function ensureService(client: KubeClient, ns: string, type: 'NodePort' | 'LoadBalancer', own: Ownership): Promise<ServiceObj> {
  const existing = await client.getOrUndefined<ServiceObj>(resources.services, ns, serviceName);
  if (!existing) {
    return client.create<ServiceObj>(resources.services, ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: serviceName, namespace: ns, labels: { ...appLabels, ...own.labels }, annotations: own.annotations },
      spec: {
        type,
        selector: { 'k8s-app': 'clustermesh-apiserver' },
        ports: [{ port: servicePort, targetPort: servicePort, protocol: 'TCP', ...(type === 'NodePort' ? { nodePort: defaultNodePort } : {}) }],
      },
    });
  }
  if (existing.spec?.type === type) return existing;
  return client.mergePatch<ServiceObj>(resources.services, ns, serviceName, { spec: { type } });
}

async function ensureDeployment(client: KubeClient, ns: string, version: string, own: Ownership): Promise<void> {
  if (await client.getOrUndefined(resources.deployments, ns, deploymentName)) return;
  const image = `quay.io/cilium/clustermesh-apiserver:v${version}`;
  await client.create(resources.deployments, ns, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentName, namespace: ns, labels: { ...appLabels, ...own.labels }, annotations: own.annotations },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'k8s-app': 'clustermesh-apiserver' } },
      template: {
        metadata: { labels: appLabels },
        spec: {
          containers: [
            { name: 'etcd', image, command: ['/usr/bin/etcd'] },
            { name: 'apiserver', image, command: ['/usr/bin/clustermesh-apiserver'], args: ['clustermesh'] },
          ],
        },
      },
    },
  });
}

/** Whether this host answers on `ip`: one of its addresses, or loopback (all of 127/8 is local on Linux). */
export function isLocalAddress(ip: string, interfaces = networkInterfaces()): boolean {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  if (all.some((a) => a.address === ip)) return true;
  return ip.startsWith('127.') && all.some((a) => a.internal && a.cidr === '127.0.0.1/8');
}

/** The node this host is (one of its addresses is the node's), where the daemon will run. */
async function thisNode(client: KubeClient): Promise<string | undefined> {
  const nodes = await client.list<KubeObject & { status?: { addresses?: { type: string; address: string }[] } }>(resources.nodes, undefined);
  return nodes.find((n) => (n.status?.addresses ?? []).some((a) => (a.type === 'InternalIP' || a.type === 'ExternalIP') && isLocalAddress(a.address)))?.metadata.name;
}

async function recordNode(ctx: CommandContext, client: KubeClient, ns: string, cluster: string): Promise<void> {
  const node = await thisNode(client);
  if (!node) {
    ctx.log(`⚠️  This host is not a node of cluster ${cluster}: the clustermesh-apiserver double runs here, and peers reach it only if they can reach this host`);
    return;
  }
  const deployment = await client.get(resources.deployments, ns, deploymentName);
  if (deployment.metadata.annotations?.[runsOnNodeAnnotation] === node) return;
  await client.mergePatch(resources.deployments, ns, deploymentName, { metadata: { annotations: { [runsOnNodeAnnotation]: node } } });
}

export async function clustermeshEnable(ctx: CommandContext): Promise<void> {
  const type = validateServiceType(ctx.flags['service-type'] as string | undefined);
  const client = ctx.client();
  const ns = ctx.namespace;
  const identity = await readClusterIdentity(client, ns);
  if (identity.name !== 'default' && !validClusterName(identity.name)) {
    throw new FatalError(`cluster name "${identity.name}" in ConfigMap cilium-config is not valid: lowercase letters, digits and '-', at most 32 characters`);
  }
  const own = releaseOwnership((ctx.flags['helm-release-name'] as string) || 'cilium', ns);
  const ca = await ensureCa(ctx, client, ns, own);
  ctx.log('🔑 Generating certificates for ClusterMesh...');
  await ensureCertSecret(client, ns, serverCertSecret, ca, {
    commonName: 'clustermesh-apiserver.cilium.io',
    dnsNames: ['clustermesh-apiserver.cilium.io', `*.${meshDomain}`, `clustermesh-apiserver.${ns}.svc`],
    ips: ['127.0.0.1', '::1'],
    usage: 'server+client',
  }, own);
  await ensureCertSecret(client, ns, adminCertSecret, ca, { commonName: 'root', dnsNames: ['localhost'], usage: 'client' }, own);
  await ensureCertSecret(client, ns, remoteCertSecret, ca, { commonName: 'remote', usage: 'client' }, own);
  const version = await ciliumVersion(client, ns);
  ctx.log(`✨ Deploying clustermesh-apiserver from quay.io/cilium/clustermesh-apiserver:v${version}...`);
  const svc = await ensureService(client, ns, type, own);
  await ensureDeployment(client, ns, version, own);
  await recordNode(ctx, client, ns, identity.name);
  const port = type === 'NodePort' ? svc.spec?.ports?.[0]?.nodePort : (svc.spec?.ports?.[0]?.port ?? servicePort);
  if (!port) throw new FatalError(`service "${serviceName}" has no ${type === 'NodePort' ? 'nodePort' : 'port'}: the API server did not assign one`);
  ensureDaemon(ctx.io.env, {
    clusterName: identity.name,
    namespace: ns,
    listenHost: ctx.io.env.CLUSTERMESH_APISERVER_LISTEN_HOST || '0.0.0.0',
    listenPort: port,
    syncIntervalMs: 3000,
    announceLoadBalancer: type === 'LoadBalancer',
    kube: client.access,
  });
  ctx.log('✅ ClusterMesh enabled!');
}
