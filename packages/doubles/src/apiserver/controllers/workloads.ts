// Workload status, since no pods run: a Deployment gets a ReplicaSet for its current template
// (named <deployment>-<pod-template-hash>, as helm's and kubectl's rollout checks look it up) and
// reports all replicas ready; a DaemonSet counts the nodes its template's nodeSelector and
// tolerations admit, ready where the node is Ready; StatefulSets report their replicas ready and
// Jobs complete.
import { createHash } from 'node:crypto';
import { ensure, modify } from '../internal-client.js';
import type { Context } from '../rest.js';
import type { KubeObject } from '../store.js';
import { recordEvent } from './events.js';
import { condition, type Controller } from './run.js';

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as any)[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(canonical(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => HASH_ALPHABET[b % HASH_ALPHABET.length]).join('');
}

const ownedBy = (owner: KubeObject) => (o: KubeObject) => (o.metadata.ownerReferences ?? []).some((r: any) => r.uid === owner.metadata.uid && r.controller);

function ownerReference(owner: KubeObject, kind: string) {
  return { apiVersion: 'apps/v1', kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function withoutZeros(status: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0 && v !== undefined));
}

function reconcileDeployment(ctx: Context, deployment: KubeObject): void {
  const { name, namespace } = deployment.metadata;
  if (deployment.metadata.deletionTimestamp) return;
  const desired = Number(deployment.spec?.replicas ?? 1);
  const template = deployment.spec?.template ?? {};
  const hash = podTemplateHash(template);
  const rsName = `${name}-${hash}`;
  const owned = ctx.store.list(`apps/replicasets/${namespace}/`).filter(ownedBy(deployment));
  const revisionOf = (rs: KubeObject) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  let current = owned.find((rs) => rs.metadata.name === rsName);
  // the new ReplicaSet's revision is one past the old ones' (an old one made new again, by
  // `kubectl rollout undo`, moves to the top of the history)
  const maxOld = Math.max(0, ...owned.filter((rs) => rs.metadata.name !== rsName).map(revisionOf));
  const revision = current && revisionOf(current) > maxOld ? revisionOf(current) : maxOld + 1;
  const annotations = { 'deployment.kubernetes.io/desired-replicas': String(desired), 'deployment.kubernetes.io/max-replicas': String(desired + 1), 'deployment.kubernetes.io/revision': String(revision) };
  const scaled = (rs: string, from: number, to: number) =>
    recordEvent(ctx, deployment, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs} to ${to}${from ? ` from ${from}` : ''}`, 'deployment-controller');
  if (!current) {
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    ensure(ctx, 'apps', 'replicasets', namespace, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: rsName, namespace, labels, annotations, ownerReferences: [ownerReference(deployment, 'Deployment')] },
      spec: {
        replicas: desired,
        selector: { ...(deployment.spec?.selector ?? {}), matchLabels: { ...(deployment.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
        template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
      },
    });
    scaled(rsName, 0, desired);
  } else {
    if (current.spec?.replicas !== desired) scaled(rsName, Number(current.spec?.replicas ?? 0), desired);
    modify(ctx, 'apps', 'replicasets', namespace, rsName, (rs) => {
      rs.spec.replicas = desired;
      rs.metadata.annotations = { ...(rs.metadata.annotations ?? {}), ...annotations };
    });
  }
  for (const old of owned) {
    if (old.metadata.name === rsName || old.spec?.replicas === 0) continue;
    scaled(old.metadata.name, Number(old.spec?.replicas ?? 0), 0);
    modify(ctx, 'apps', 'replicasets', namespace, old.metadata.name, (rs) => { rs.spec.replicas = 0; });
  }
  const history = Number(deployment.spec?.revisionHistoryLimit ?? 10);
  const stale = owned.filter((rs) => rs.metadata.name !== rsName).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of stale.slice(0, Math.max(0, stale.length - history))) ctx.store.delete(`apps/replicasets/${namespace}/${rs.metadata.name}`);
  current = ctx.store.get(`apps/replicasets/${namespace}/${rsName}`);
  modify(ctx, 'apps', 'deployments', namespace, name, (d) => {
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': String(revision) };
  });
  modify(ctx, 'apps', 'deployments', namespace, name, (d) => {
    const previous = d.status?.conditions;
    d.status = {
      ...withoutZeros({ observedGeneration: d.metadata.generation, replicas: desired, updatedReplicas: desired, readyReplicas: desired, availableReplicas: desired }),
      conditions: [
        condition(previous, 'Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', true),
        condition(previous, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`, true),
      ],
    };
  }, 'status');
}

function reconcileReplicaSet(ctx: Context, rs: KubeObject): void {
  const replicas = Number(rs.spec?.replicas ?? 1);
  modify(ctx, 'apps', 'replicasets', rs.metadata.namespace, rs.metadata.name, (o) => {
    o.status = { replicas, ...withoutZeros({ fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas }), observedGeneration: o.metadata.generation };
  }, 'status');
}

function tolerates(tolerations: any[], taint: any): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function reconcileDaemonSet(ctx: Context, ds: KubeObject, nodes: KubeObject[]): void {
  const podSpec = ds.spec?.template?.spec ?? {};
  const selector: Record<string, string> = podSpec.nodeSelector ?? {};
  const tolerations: any[] = podSpec.tolerations ?? [];
  const eligible = nodes.filter((node) => {
    const labels = node.metadata.labels ?? {};
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
    return (node.spec?.taints ?? []).filter((t: any) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
      .filter((t: any) => t.key !== 'node.kubernetes.io/unreachable' && t.key !== 'node.kubernetes.io/not-ready')
      .every((t: any) => tolerates(tolerations, t));
  });
  const desired = eligible.length;
  const ready = eligible.filter((node) => (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
  modify(ctx, 'apps', 'daemonsets', ds.metadata.namespace, ds.metadata.name, (o) => {
    o.status = {
      currentNumberScheduled: desired, desiredNumberScheduled: desired, numberMisscheduled: 0, numberReady: ready,
      observedGeneration: o.metadata.generation,
      ...withoutZeros({ updatedNumberScheduled: desired, numberAvailable: ready, numberUnavailable: desired - ready }),
    };
  }, 'status');
}

function reconcileStatefulSet(ctx: Context, sts: KubeObject): void {
  const replicas = Number(sts.spec?.replicas ?? 1);
  const revision = `${sts.metadata.name}-${podTemplateHash(sts.spec?.template ?? {})}`;
  modify(ctx, 'apps', 'statefulsets', sts.metadata.namespace, sts.metadata.name, (o) => {
    o.status = {
      observedGeneration: o.metadata.generation, replicas,
      ...withoutZeros({ readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas }),
      currentRevision: revision, updateRevision: revision, collisionCount: 0,
    };
  }, 'status');
}

function reconcileJob(ctx: Context, job: KubeObject): void {
  if (job.status?.completionTime || job.spec?.suspend) return;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  modify(ctx, 'batch', 'jobs', job.metadata.namespace, job.metadata.name, (o) => {
    o.status = {
      startTime: now, completionTime: now, succeeded: Number(o.spec?.completions ?? 1), ready: 0, terminating: 0,
      uncountedTerminatedPods: {},
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        { type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      ],
    };
  }, 'status');
}

export const workloads: Controller = {
  name: 'workloads',
  watches: ['apps/', 'batch/jobs/', '/nodes/'],
  reconcile(ctx: Context) {
    for (const deployment of ctx.store.list('apps/deployments/')) reconcileDeployment(ctx, deployment);
    for (const rs of ctx.store.list('apps/replicasets/')) reconcileReplicaSet(ctx, rs);
    const nodes = ctx.store.list('/nodes/');
    for (const ds of ctx.store.list('apps/daemonsets/')) reconcileDaemonSet(ctx, ds, nodes);
    for (const sts of ctx.store.list('apps/statefulsets/')) reconcileStatefulSet(ctx, sts);
    for (const job of ctx.store.list('batch/jobs/')) reconcileJob(ctx, job);
  },
};
