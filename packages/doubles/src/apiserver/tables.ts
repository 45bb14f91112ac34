// Server-side printing: kubectl asks for `as=Table` and prints the columns the server sends. The
// columns here are those of the real API server's printers for the kinds the seeds look at.
import { apiVersionOf, type ResourceKind } from './kinds.js';
import type { KubeObject } from './store.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (o: KubeObject) => unknown;
}

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** The metadata-only clients' form (`as=PartialObjectMetadata` / `PartialObjectMetadataList`). */
export function wantsMetadataOnly(accept: string | undefined): boolean {
  return !!accept && /as=PartialObjectMetadata/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function partialMetadata(object: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** HumanDuration of k8s.io/apimachinery: "45s", "3m12s", "5h2m", "3d4h", "2y10d". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 ? `${minutes}m${seconds % 60}s` : `${minutes}m`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 ? `${Math.floor(hours / 24)}d${hours % 24}h` : `${hours / 24}d`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days ? `${Math.floor(hours / 24 / 365)}y${days}d` : `${Math.floor(hours / 24 / 365)}y`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const age = (o: KubeObject) => (o.metadata?.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>');
const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const ageColumn: Column = { name: 'Age', type: 'string', cell: age };
const count = (v: unknown) => Number(v ?? 0);

function nodeStatus(o: KubeObject): string {
  const ready = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const status = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  return o.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata?.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice('node-role.kubernetes.io/'.length)).filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(o: KubeObject, type: string): string {
  return (o.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
}

function servicePorts(o: KubeObject): string {
  const ports = (o.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return ports.length ? ports.join(',') : '<none>';
}

function serviceExternalIp(o: KubeObject): string {
  const external: string[] = o.spec?.externalIPs ?? [];
  if (o.spec?.type === 'LoadBalancer') {
    const ingress = (o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).filter(Boolean);
    const all = [...ingress, ...external];
    return all.length ? all.join(',') : '<pending>';
  }
  if (o.spec?.type === 'ExternalName') return o.spec.externalName ?? '<none>';
  return external.length ? external.join(',') : '<none>';
}

function selectorText(selector: Record<string, string> | undefined): string {
  const entries = Object.entries(selector ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

const containers = (o: KubeObject) => (o.spec?.template?.spec?.containers ?? []).map((c: any) => c.name).join(',');
const images = (o: KubeObject) => (o.spec?.template?.spec?.containers ?? []).map((c: any) => c.image).join(',');

const COLUMNS: Record<string, Column[]> = {
  '/Node': [name,
    { name: 'Status', type: 'string', cell: nodeStatus },
    { name: 'Roles', type: 'string', cell: nodeRoles },
    ageColumn,
    { name: 'Version', type: 'string', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o) => nodeAddress(o, 'InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, cell: (o) => nodeAddress(o, 'ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.osImage ?? '<unknown>' },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.kernelVersion ?? '<unknown>' },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (o) => o.status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>' }],
  '/Namespace': [name, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? 'Active' }, ageColumn],
  '/ConfigMap': [name, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, ageColumn],
  '/Secret': [name, { name: 'Type', type: 'string', cell: (o) => o.type ?? 'Opaque' }, { name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length }, ageColumn],
  '/ServiceAccount': [name, { name: 'Secrets', type: 'integer', cell: (o) => (o.secrets ?? []).length }, ageColumn],
  '/Service': [name,
    { name: 'Type', type: 'string', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o) => o.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: serviceExternalIp },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(o.spec?.selector) }],
  '/Pod': [name,
    { name: 'Ready', type: 'string', cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: any) => c.ready).length}/${(o.spec?.containers ?? []).length}` },
    { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? 'Pending' },
    { name: 'Restarts', type: 'string', cell: () => '0' },
    ageColumn],
  'apps/Deployment': [name,
    { name: 'Ready', type: 'string', cell: (o) => `${count(o.status?.readyReplicas)}/${count(o.spec?.replicas)}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => count(o.status?.updatedReplicas) },
    { name: 'Available', type: 'integer', cell: (o) => count(o.status?.availableReplicas) },
    ageColumn,
    { name: 'Containers', type: 'string', priority: 1, cell: containers },
    { name: 'Images', type: 'string', priority: 1, cell: images },
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(o.spec?.selector?.matchLabels) }],
  'apps/DaemonSet': [name,
    { name: 'Desired', type: 'integer', cell: (o) => count(o.status?.desiredNumberScheduled) },
    { name: 'Current', type: 'integer', cell: (o) => count(o.status?.currentNumberScheduled) },
    { name: 'Ready', type: 'integer', cell: (o) => count(o.status?.numberReady) },
    { name: 'Up-to-date', type: 'integer', cell: (o) => count(o.status?.updatedNumberScheduled) },
    { name: 'Available', type: 'integer', cell: (o) => count(o.status?.numberAvailable) },
    { name: 'Node Selector', type: 'string', cell: (o) => selectorText(o.spec?.template?.spec?.nodeSelector) },
    ageColumn,
    { name: 'Containers', type: 'string', priority: 1, cell: containers },
    { name: 'Images', type: 'string', priority: 1, cell: images }],
  'apps/ReplicaSet': [name,
    { name: 'Desired', type: 'integer', cell: (o) => count(o.spec?.replicas) },
    { name: 'Current', type: 'integer', cell: (o) => count(o.status?.replicas) },
    { name: 'Ready', type: 'integer', cell: (o) => count(o.status?.readyReplicas) },
    ageColumn],
  '/Event': [
    { name: 'Last Seen', type: 'string', cell: (o) => {
      const at = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      return at ? humanDuration(Date.now() - Date.parse(at)) : '<unknown>';
    } },
    { name: 'Type', type: 'string', cell: (o) => o.type ?? '' },
    { name: 'Reason', type: 'string', cell: (o) => o.reason ?? '' },
    { name: 'Object', type: 'string', cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}` },
    { name: 'Message', type: 'string', cell: (o) => String(o.message ?? '').trim() },
    { name: 'Name', type: 'string', format: 'name', priority: 1, cell: (o) => o.metadata.name }],
  'apps/StatefulSet': [name,
    { name: 'Ready', type: 'string', cell: (o) => `${count(o.status?.readyReplicas)}/${count(o.spec?.replicas)}` },
    ageColumn,
    { name: 'Containers', type: 'string', priority: 1, cell: containers },
    { name: 'Images', type: 'string', priority: 1, cell: images }],
  'batch/Job': [name,
    { name: 'Status', type: 'string', cell: (o) => ((o.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True') ? 'Complete' : 'Running') },
    { name: 'Completions', type: 'string', cell: (o) => `${count(o.status?.succeeded)}/${o.spec?.completions ?? 1}` },
    { name: 'Duration', type: 'string', cell: (o) => (o.status?.startTime && o.status?.completionTime ? humanDuration(Date.parse(o.status.completionTime) - Date.parse(o.status.startTime)) : '') },
    ageColumn],
  'batch/CronJob': [name,
    { name: 'Schedule', type: 'string', cell: (o) => o.spec?.schedule ?? '' },
    { name: 'Timezone', type: 'string', cell: (o) => o.spec?.timeZone ?? '<none>' },
    { name: 'Suspend', type: 'boolean', cell: (o) => !!o.spec?.suspend },
    { name: 'Active', type: 'integer', cell: (o) => (o.status?.active ?? []).length },
    { name: 'Last Schedule', type: 'string', cell: (o) => (o.status?.lastScheduleTime ? humanDuration(Date.now() - Date.parse(o.status.lastScheduleTime)) : '<none>') },
    ageColumn],
  '/Endpoints': [name,
    { name: 'Endpoints', type: 'string', cell: (o) => {
      const pairs = (o.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).flatMap((a: any) => (s.ports ?? [{}]).map((p: any) => (p.port ? `${a.ip}:${p.port}` : a.ip))));
      return pairs.length ? pairs.join(',') : '<none>';
    } },
    ageColumn],
  '/PersistentVolumeClaim': [name, { name: 'Status', type: 'string', cell: (o) => o.status?.phase ?? 'Pending' }, { name: 'Volume', type: 'string', cell: (o) => o.spec?.volumeName ?? '' }, ageColumn],
  'rbac.authorization.k8s.io/RoleBinding': [name, { name: 'Role', type: 'string', cell: (o) => `${o.roleRef?.kind}/${o.roleRef?.name}` }, ageColumn],
  'rbac.authorization.k8s.io/ClusterRoleBinding': [name, { name: 'Role', type: 'string', cell: (o) => `${o.roleRef?.kind}/${o.roleRef?.name}` }, ageColumn],
  'coordination.k8s.io/Lease': [name, { name: 'Holder', type: 'string', cell: (o) => o.spec?.holderIdentity ?? '' }, ageColumn],
  'certificates.k8s.io/CertificateSigningRequest': [name, ageColumn,
    { name: 'SignerName', type: 'string', cell: (o) => o.spec?.signerName ?? '' },
    { name: 'Requestor', type: 'string', cell: (o) => o.spec?.username ?? '' },
    { name: 'RequestedDuration', type: 'string', cell: (o) => (o.spec?.expirationSeconds ? humanDuration(o.spec.expirationSeconds * 1000) : '<none>') },
    { name: 'Condition', type: 'string', cell: (o) => {
      const conditions = (o.status?.conditions ?? []).map((c: any) => c.type);
      if (o.status?.certificate) conditions.push('Issued');
      return conditions.length ? conditions.join(',') : 'Pending';
    } }],
};

function readJsonPath(object: KubeObject, path: string): unknown {
  let at: any = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    const m = part.match(/^(\w[\w-]*)\[(\d+)\]$/);
    at = m ? at?.[m[1]!]?.[Number(m[2])] : at?.[part];
  }
  return at;
}

function columnsFor(kind: ResourceKind): Column[] {
  const known = COLUMNS[`${kind.group}/${kind.kind}`];
  if (known) return known;
  if (kind.custom) {
    const printer = (kind.printerColumns ?? []).map((c): Column => ({
      name: c.name, type: c.type, priority: c.priority ?? 0,
      cell: (o) => {
        const value = readJsonPath(o, c.jsonPath);
        if (c.type === 'date' && typeof value === 'string') return humanDuration(Date.now() - Date.parse(value));
        return value ?? null;
      },
    }));
    return printer.length ? [name, ...printer] : [name, ageColumn];
  }
  return [name, { name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp }];
}

export function toTable(kind: ResourceKind, objects: KubeObject[], resourceVersion: string, includeObject: string | null) {
  const columns = columnsFor(kind);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      object: includeObject === 'Object' ? o
        : includeObject === 'None' ? null
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

export function withTypeMeta(kind: ResourceKind, object: KubeObject): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return { apiVersion: apiVersionOf(kind), kind: kind.kind, ...rest };
}
