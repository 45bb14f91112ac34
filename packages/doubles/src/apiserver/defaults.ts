// Defaulting as the real API server does it for the fields clients read back: workload rollout
// strategies (helm's readiness checks dereference them), pod template and container defaults,
// Service types and protocols, Secret types and stringData, Namespace phase, CRD status.
import type { KubeObject } from './store.js';
import { isObject } from './patch.js';

function podTemplateDefaults(template: any): void {
  if (!isObject(template)) return;
  const spec = (template.spec ??= {});
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!isObject(container)) continue;
    const image = String(container.image ?? '');
    const tagged = /:[^/]+$/.test(image) || image.includes('@');
    container.imagePullPolicy ??= !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.resources ??= {};
    for (const port of container.ports ?? []) if (isObject(port)) port.protocol ??= 'TCP';
  }
}

function defaultRollingUpdate(strategy: any, maxUnavailable: string | number, maxSurge: string | number): void {
  if (strategy.type === 'RollingUpdate') {
    strategy.rollingUpdate ??= {};
    strategy.rollingUpdate.maxUnavailable ??= maxUnavailable;
    strategy.rollingUpdate.maxSurge ??= maxSurge;
  }
}

export function applyDefaults(group: string, kind: string, object: KubeObject): void {
  const spec = object.spec;
  switch (`${group}/${kind}`) {
    case 'apps/Deployment':
      if (!isObject(spec)) return;
      spec.replicas ??= 1;
      spec.strategy ??= {};
      spec.strategy.type ??= 'RollingUpdate';
      defaultRollingUpdate(spec.strategy, '25%', '25%');
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      podTemplateDefaults(spec.template);
      return;
    case 'apps/DaemonSet':
      if (!isObject(spec)) return;
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ??= 'RollingUpdate';
      defaultRollingUpdate(spec.updateStrategy, 1, 0);
      spec.revisionHistoryLimit ??= 10;
      podTemplateDefaults(spec.template);
      return;
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
      if (!isObject(spec)) return;
      spec.replicas ??= 1;
      podTemplateDefaults(spec.template);
      return;
    case 'batch/Job':
      if (isObject(spec)) podTemplateDefaults(spec.template);
      return;
    case '/Pod':
      podTemplateDefaults(object);
      return;
    case '/Service':
      if (!isObject(spec)) return;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName') {
        spec.internalTrafficPolicy ??= 'Cluster';
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
      if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      for (const port of spec.ports ?? []) {
        if (!isObject(port)) continue;
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
      }
      object.status ??= { loadBalancer: {} };
      return;
    case '/Secret':
      object.type ??= 'Opaque';
      if (isObject(object.stringData)) {
        object.data = { ...(object.data ?? {}) };
        for (const [key, value] of Object.entries(object.stringData)) object.data[key] = Buffer.from(String(value)).toString('base64');
      }
      delete object.stringData;
      return;
    case '/Namespace':
      object.spec ??= { finalizers: ['kubernetes'] };
      object.status ??= { phase: 'Active' };
      object.metadata.labels = { ...(object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': object.metadata.name };
      return;
    case 'apiextensions.k8s.io/CustomResourceDefinition': {
      if (!isObject(spec)) return;
      const names = spec.names ?? {};
      names.singular ??= String(names.kind ?? '').toLowerCase();
      names.listKind ??= `${names.kind}List`;
      spec.names = names;
      spec.conversion ??= { strategy: 'None' };
      if (object.status?.conditions?.length) return;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
      object.status = {
        conditions: [
          condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
          condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
        ],
        acceptedNames: { plural: names.plural, singular: names.singular, kind: names.kind, listKind: names.listKind, ...(names.shortNames ? { shortNames: names.shortNames } : {}), ...(names.categories ? { categories: names.categories } : {}) },
        storedVersions: (spec.versions ?? []).filter((v: any) => v.storage).map((v: any) => v.name),
      };
      return;
    }
    default:
  }
}
