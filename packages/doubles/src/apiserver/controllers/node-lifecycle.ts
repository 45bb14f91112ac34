// Node lifecycle: a Node a kubelet registers without a Ready condition becomes Ready; a node whose
// heartbeats (its Lease in kube-node-lease, or the Ready condition's lastHeartbeatTime) are older
// than the grace period turns NotReady (Ready=Unknown), and Ready again when heartbeats resume. A
// Ready=False the kubelet posts itself is left alone. The condition taints follow the condition
// (unreachable or not-ready, NoSchedule and NoExecute), as with taint-based evictions.
import { modify, read } from '../internal-client.js';
import type { Context } from '../rest.js';
import { recordEvent } from './events.js';
import type { Controller } from './run.js';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function nodeLifecycle(gracePeriodSeconds: number): Controller {
  const registered = new Set<string>();
  return {
    name: 'node-lifecycle',
    watches: ['/nodes/', 'coordination.k8s.io/leases/kube-node-lease/'],
    reconcile(ctx: Context) {
      for (const node of ctx.store.list('/nodes/')) {
        const name = node.metadata.name;
        const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        const lease = read(ctx, 'coordination.k8s.io', 'leases', 'kube-node-lease', name);
        const heartbeat = Math.max(Date.parse(ready?.lastHeartbeatTime ?? '') || 0, Date.parse(lease?.spec?.renewTime ?? '') || 0, Date.parse(node.metadata.creationTimestamp) || 0);
        const fresh = Date.now() - heartbeat <= gracePeriodSeconds * 1000;
        if (!registered.has(node.metadata.uid)) {
          registered.add(node.metadata.uid);
          recordEvent(ctx, node, 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`, 'node-controller');
        }
        if (!ready || (fresh && ready.status === 'Unknown' && ready.reason === 'NodeStatusUnknown')) {
          setReady(ctx, name, 'True', 'KubeletReady', 'kubelet is posting ready status', !ready);
          if (ready) recordEvent(ctx, node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`, 'node-controller');
        } else if (!fresh && ready.status !== 'Unknown') {
          setReady(ctx, name, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', false);
          recordEvent(ctx, node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, 'node-controller');
        }
        const current = (ctx.store.get(`/nodes//${name}`)?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        syncConditionTaints(ctx, name, current?.status ?? 'Unknown');
      }
    },
  };
}

function setReady(ctx: Context, name: string, status: string, reason: string, message: string, heartbeat: boolean): void {
  modify(ctx, '', 'nodes', undefined, name, (node) => {
    node.status ??= {};
    const conditions: any[] = (node.status.conditions ?? []).filter((c: any) => c.type !== 'Ready');
    const old = (node.status.conditions ?? []).find((c: any) => c.type === 'Ready');
    conditions.push({
      type: 'Ready', status,
      lastHeartbeatTime: heartbeat || !old ? now() : old.lastHeartbeatTime,
      lastTransitionTime: now(),
      reason, message,
    });
    node.status.conditions = conditions;
  }, 'status');
}

/** The condition taints: unreachable for Ready=Unknown, not-ready for Ready=False, none when Ready. */
function syncConditionTaints(ctx: Context, name: string, ready: string): void {
  const wanted = ready === 'Unknown' ? UNREACHABLE : ready === 'False' ? NOT_READY : undefined;
  modify(ctx, '', 'nodes', undefined, name, (node) => {
    const existing: any[] = node.spec?.taints ?? [];
    const kept = existing.filter((t) => (t.key !== UNREACHABLE && t.key !== NOT_READY) || t.key === wanted);
    const taints = [...kept];
    for (const effect of wanted ? ['NoSchedule', 'NoExecute'] : []) {
      if (!taints.some((t) => t.key === wanted && t.effect === effect)) taints.push({ key: wanted, effect, timeAdded: now() });
    }
    node.spec ??= {};
    if (taints.length) node.spec.taints = taints;
    else delete node.spec.taints;
  });
}
