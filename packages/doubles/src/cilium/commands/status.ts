// `cilium status [--wait] [--wait-duration]`: Cilium is installed when the Helm release's
// DaemonSet `cilium` and Deployment `cilium-operator` exist, and ready when every desired pod is
// ready and available (as the API server double's controllers report them).
import { gunzipSync } from 'node:zlib';
import { resources, type KubeClient, type KubeObject } from '../kube-client.js';
import { FatalError, sleep, type CommandContext } from '../context.js';
import { formatCiliumStatus, workloadErrors, type CiliumStatus, type WorkloadStatus } from '../output.js';

type Workload = KubeObject & {
  spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  status?: { desiredNumberScheduled?: number; numberReady?: number; numberAvailable?: number; readyReplicas?: number; availableReplicas?: number };
};

async function workload(client: KubeClient, ns: string, kind: 'DaemonSet' | 'Deployment', name: string): Promise<WorkloadStatus | undefined> {
  const obj = await client.getOrUndefined<Workload>(kind === 'DaemonSet' ? resources.daemonsets : resources.deployments, ns, name);
  if (!obj) return undefined;
  const s = obj.status ?? {};
  const image = obj.spec?.template?.spec?.containers?.[0]?.image;
  if (kind === 'DaemonSet') return { kind, name, desired: s.desiredNumberScheduled ?? 0, ready: s.numberReady ?? 0, available: s.numberAvailable ?? 0, image };
  return { kind, name, desired: obj.spec?.replicas ?? 1, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, image };
}

/** The chart version of the latest deployed Helm release (Helm stores it gzipped in a Secret). */
export async function helmChartVersion(client: KubeClient, ns: string, release: string): Promise<string | undefined> {
  const secrets = await client.list<KubeObject & { data?: Record<string, string> }>(resources.secrets, ns, `owner=helm,name=${release},status=deployed`).catch(() => []);
  const latest = secrets.sort((a, b) => Number(b.metadata.labels?.version ?? 0) - Number(a.metadata.labels?.version ?? 0))[0];
  const data = latest?.data?.release;
  if (!data) return undefined;
  try {
    const inner = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
    const text = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner).toString('utf8') : inner.toString('utf8');
    return (JSON.parse(text) as { chart?: { metadata?: { version?: string } } }).chart?.metadata?.version;
  } catch {
    return undefined;
  }
}

export async function collectStatus(client: KubeClient, ns: string, release: string): Promise<CiliumStatus> {
  const [cilium, operator, envoy, hubbleRelay, clustermesh] = await Promise.all([
    workload(client, ns, 'DaemonSet', 'cilium'),
    workload(client, ns, 'Deployment', 'cilium-operator'),
    workload(client, ns, 'DaemonSet', 'cilium-envoy'),
    workload(client, ns, 'Deployment', 'hubble-relay'),
    workload(client, ns, 'Deployment', 'clustermesh-apiserver'),
  ]);
  const errors: CiliumStatus['errors'] = [];
  if (!cilium) errors.push({ component: 'cilium', name: 'cilium', message: `daemonsets.apps "cilium" not found` });
  if (!operator) errors.push({ component: 'cilium-operator', name: 'cilium-operator', message: `deployments.apps "cilium-operator" not found` });
  for (const w of [cilium, operator, envoy, hubbleRelay, clustermesh]) {
    const e = w && workloadErrors(w);
    if (e) errors.push({ component: w.name, name: w.name, message: e });
  }
  const pods = await client.list(resources.pods, undefined).catch(() => []);
  return {
    cilium,
    operator,
    envoy,
    hubbleRelay,
    clustermesh,
    helmChartVersion: await helmChartVersion(client, ns, release),
    clusterPods: { managed: pods.length, total: pods.length },
    errors,
  };
}

export async function ciliumStatus(ctx: CommandContext): Promise<void> {
  const client = ctx.client();
  const ns = ctx.namespace;
  const release = (ctx.flags['helm-release-name'] as string) || 'cilium';
  const wait = ctx.flags.wait === true;
  const deadline = Date.now() + ((ctx.flags['wait-duration'] as number) || 5 * 60_000);
  let status: CiliumStatus;
  for (;;) {
    try {
      status = await collectStatus(client, ns, release);
    } catch (err) {
      throw new FatalError(`Unable to determine status:  ${(err as Error).message}`);
    }
    if (!wait || status.errors.length === 0) break;
    if (Date.now() >= deadline) {
      ctx.io.err(formatCiliumStatus(status));
      throw new FatalError('Unable to determine status:  timeout while waiting for status to become successful: context deadline exceeded');
    }
    await sleep(2000);
  }
  ctx.io.out(formatCiliumStatus(status));
  if (status.errors.length > 0) throw new FatalError(`Unable to determine status:  ${status.errors.length} errors occurred`);
}
