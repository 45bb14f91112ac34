// The text and JSON that cilium-cli prints, as pure functions of what was found, so the shapes
// can be checked without a cluster.

export interface Stat {
  min: number;
  avg: number;
  max: number;
}

export interface Connectivity {
  globalServices: Stat;
  connected: Stat;
  clusters: Record<string, { configured: number; connected: number }>;
  total: number;
  notReady: number;
  /** agent → cluster → messages */
  errors: Record<string, Record<string, string[]>>;
}

/** One agent's view: which configured peers it reached, and how many global services it knows. */
export interface AgentView {
  agent: string;
  peers: Record<string, { ok: true } | { ok: false; error: string }>;
  globalServices: number;
}

/** cilium-cli's `parseAgentStatus` summed over agents (min/avg/max, configured/connected). */
export function summarize(views: AgentView[], expected: string[]): Connectivity {
  const c: Connectivity = { globalServices: { min: -1, avg: 0, max: 0 }, connected: { min: -1, avg: 0, max: 0 }, clusters: {}, total: 0, notReady: 0, errors: {} };
  for (const name of expected) c.clusters[name] = { configured: 0, connected: 0 };
  for (const v of views) {
    const gs = v.globalServices;
    if (c.globalServices.min < 0 || c.globalServices.min > gs) c.globalServices.min = gs;
    if (c.globalServices.max < gs) c.globalServices.max = gs;
    c.globalServices.avg += gs;
    c.total++;
    let ready = 0;
    for (const [peer, result] of Object.entries(v.peers)) {
      const stats = (c.clusters[peer] ??= { configured: 0, connected: 0 });
      stats.configured++;
      if (result.ok) {
        ready++;
        stats.connected++;
      } else {
        ((c.errors[v.agent] ??= {})[peer] ??= []).push(result.error);
      }
    }
    const missing = expected.filter((e) => !(e in v.peers));
    for (const m of missing) ((c.errors[v.agent] ??= {})[m] ??= []).push('unknown status');
    if (missing.length > 0 || ready !== Object.keys(v.peers).length) c.notReady++;
    if (c.connected.min < 0 || c.connected.min > ready) c.connected.min = ready;
    if (c.connected.max < ready) c.connected.max = ready;
    c.connected.avg += ready;
  }
  if (views.length > 0) {
    c.globalServices.avg /= views.length;
    c.connected.avg /= views.length;
  }
  return c;
}

/** The lines `outputConnectivityStatus` prints after the access information. */
export function connectivityLines(c: Connectivity): string[] {
  const lines: string[] = [''];
  const stat = (s: Stat) => `[min:${s.min} / avg:${s.avg.toFixed(1)} / max:${s.max}]`;
  if (c.notReady > 0) lines.push(`⚠️  ${c.notReady}/${c.total} nodes are not connected to all clusters ${stat(c.connected)}`);
  else if (Object.keys(c.clusters).length > 0) lines.push(`✅ All ${c.total} nodes are connected to all clusters ${stat(c.connected)}`);
  lines.push('');
  const names = Object.keys(c.clusters).sort();
  if (names.length > 0) {
    lines.push('🔌 Cluster Connections:');
    for (const n of names) {
      const s = c.clusters[n]!;
      lines.push(`  - ${n}: ${s.configured}/${c.total} configured, ${s.connected}/${c.total} connected`);
    }
  } else {
    lines.push('🔌 No cluster connected');
  }
  lines.push('');
  lines.push(`🔀 Global services: ${stat(c.globalServices).replace('[', '[ ').replace(/\]$/, ' ]')}`);
  lines.push('');
  const agents = Object.keys(c.errors).sort();
  if (agents.length > 0) {
    lines.push(`❌ ${agents.length} Errors:`);
    for (const a of agents) {
      for (const [cluster, errs] of Object.entries(c.errors[a]!)) {
        for (const e of errs) lines.push(`  ❌ ${a} is not connected to cluster ${cluster}: ${e}`);
      }
    }
  }
  return lines;
}

export interface AccessInfoJson {
  serviceType: string;
  serviceIps: string[];
  servicePort: number;
  clusterId: string;
  clusterName: string;
  caPem: string;
  maxConnectedClusters: number;
}

function statJson(s: Stat): Record<string, number> {
  const o: Record<string, number> = {};
  if (s.min) o.min = s.min;
  if (s.avg) o.avg = s.avg;
  if (s.max) o.max = s.max;
  return o;
}

/**
 * `clustermesh status -o json`, with Go's field order and `omitempty` (zero numbers left out).
 * Unlike cilium-cli, the client certificate and key are not printed: secrets stay out of output.
 */
export function statusJson(ai: AccessInfoJson, c: Connectivity): string {
  const access: Record<string, unknown> = {};
  if (ai.serviceType) access.service_type = ai.serviceType;
  if (ai.serviceIps.length) access.service_ips = ai.serviceIps;
  if (ai.servicePort) access.service_port = ai.servicePort;
  if (ai.clusterId) access.cluster_id = ai.clusterId;
  if (ai.clusterName) access.cluster_name = ai.clusterName;
  if (ai.caPem) access.ca = Buffer.from(ai.caPem).toString('base64');
  if (ai.maxConnectedClusters) access.max_connected_clusters = ai.maxConnectedClusters;
  const conn: Record<string, unknown> = { global_services: statJson(c.globalServices), connected: statJson(c.connected) };
  const clusters: Record<string, Record<string, number>> = {};
  for (const [n, s] of Object.entries(c.clusters)) {
    clusters[n] = {};
    if (s.configured) clusters[n].configured = s.configured;
    if (s.connected) clusters[n].connected = s.connected;
  }
  if (Object.keys(clusters).length) conn.clusters = clusters;
  if (c.total) conn.total = c.total;
  if (c.notReady) conn.not_ready = c.notReady;
  if (Object.keys(c.errors).length) conn.errors = c.errors;
  return JSON.stringify({ access_information: access, connectivity: conn, kvstoremesh: { enabled: false } }, null, 1);
}

// ---- cilium status ----

export interface WorkloadStatus {
  kind: 'DaemonSet' | 'Deployment';
  name: string;
  desired: number;
  ready: number;
  available: number;
  image: string | undefined;
}

export interface CiliumStatus {
  cilium: WorkloadStatus | undefined;
  operator: WorkloadStatus | undefined;
  envoy: WorkloadStatus | undefined;
  hubbleRelay: WorkloadStatus | undefined;
  clustermesh: WorkloadStatus | undefined;
  helmChartVersion: string | undefined;
  clusterPods: { managed: number; total: number };
  errors: { component: string; name: string; message: string }[];
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

export function workloadErrors(w: WorkloadStatus): string | undefined {
  if (w.ready < w.desired) return `${w.desired - w.ready} pods of ${w.kind} ${w.name} are not ready`;
  if (w.available < w.desired) return `${w.desired - w.available} pods of ${w.kind} ${w.name} are not available`;
  return undefined;
}

function summaryWord(status: CiliumStatus, name: string | undefined, w: WorkloadStatus | undefined, absent: string): string {
  if (!w) {
    const n = status.errors.filter((e) => e.name === name).length;
    return n > 0 ? `${n} errors` : absent;
  }
  const n = status.errors.filter((e) => e.name === w.name).length;
  return n > 0 ? `${n} errors` : 'OK';
}

/** The banner and tables of `cilium status`. */
export function formatCiliumStatus(s: CiliumStatus): string {
  const rows: [string, string][] = [
    ['Cilium:', summaryWord(s, 'cilium', s.cilium, '1 errors')],
    ['Operator:', summaryWord(s, 'cilium-operator', s.operator, 'disabled')],
    ['Envoy DaemonSet:', s.envoy ? summaryWord(s, 'cilium-envoy', s.envoy, 'disabled') : 'disabled (using embedded mode)'],
    ['Hubble Relay:', summaryWord(s, 'hubble-relay', s.hubbleRelay, 'disabled')],
    ['ClusterMesh:', summaryWord(s, 'clustermesh-apiserver', s.clustermesh, 'disabled')],
  ];
  const art = ['    /¯¯\\', ' /¯¯\\__/¯¯\\', ' \\__/¯¯\\__/', ' /¯¯\\__/¯¯\\', ' \\__/¯¯\\__/', '    \\__/'];
  const lines: string[] = [art[0]!];
  rows.forEach(([k, v], i) => lines.push(`${pad(art[i + 1]!, 15)}${pad(k, 20)}${v}`));
  lines.push('');
  const workloads = [s.cilium, s.envoy, s.operator, s.hubbleRelay, s.clustermesh].filter((w): w is WorkloadStatus => w !== undefined);
  for (const w of workloads) lines.push(`${pad(w.kind, 23)}${pad(w.name, 25)}Desired: ${w.desired}, Ready: ${w.ready}/${w.desired}, Available: ${w.available}/${w.desired}`);
  workloads.forEach((w, i) => lines.push(`${pad(i === 0 ? 'Containers:' : '', 23)}${pad(w.name, 25)}Running: ${w.ready}`));
  lines.push(`${pad('Cluster Pods:', 23)}${s.clusterPods.managed}/${s.clusterPods.total} managed by Cilium`);
  if (s.helmChartVersion) lines.push(`${pad('Helm chart version:', 23)}${s.helmChartVersion}`);
  const images = workloads.filter((w) => w.image);
  images.forEach((w, i) => lines.push(`${pad(i === 0 ? 'Image versions' : '', 23)}${pad(w.name, 19)}${w.image}: ${w.ready}`));
  if (s.errors.length > 0) {
    s.errors.forEach((e, i) => lines.push(`${pad(i === 0 ? 'Errors:' : '', 23)}${pad(e.component, 19)}${pad(e.name, 16)}${e.message}`));
  }
  return lines.join('\n') + '\n';
}
