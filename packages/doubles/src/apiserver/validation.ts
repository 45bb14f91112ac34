// What the server checks in an object before storing it: names, the fields it knows (for
// `fieldValidation=Strict|Warn`), and pruning of custom resources to their CRD's schema.
import type { ResourceKind } from './kinds.js';
import { isObject } from './patch.js';
import type { KubeObject } from './store.js';

const METADATA_FIELDS = new Set(['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields']);
const SPEC_STATUS = ['spec', 'status'];
/** Top-level fields per built-in kind (beyond apiVersion, kind, metadata); kinds absent are not checked. */
const TOP_FIELDS: Record<string, string[]> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Role: ['rules'], ClusterRole: ['rules', 'aggregationRule'],
  RoleBinding: ['subjects', 'roleRef'], ClusterRoleBinding: ['subjects', 'roleRef'],
  Endpoints: ['subsets'],
  StorageClass: ['provisioner', 'parameters', 'reclaimPolicy', 'mountOptions', 'allowVolumeExpansion', 'volumeBindingMode', 'allowedTopologies'],
  PriorityClass: ['value', 'globalDefault', 'description', 'preemptionPolicy'],
  ValidatingWebhookConfiguration: ['webhooks'], MutatingWebhookConfiguration: ['webhooks'],
  ControllerRevision: ['data', 'revision'],
  PodTemplate: ['template'],
  RuntimeClass: ['handler', 'overhead', 'scheduling'],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
};
for (const kind of ['Namespace', 'Node', 'Service', 'Pod', 'Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'Job', 'CronJob', 'PersistentVolumeClaim', 'PersistentVolume', 'NetworkPolicy', 'Ingress', 'IngressClass', 'PodDisruptionBudget', 'ResourceQuota', 'LimitRange', 'Lease', 'CertificateSigningRequest', 'CustomResourceDefinition', 'ReplicationController', 'HorizontalPodAutoscaler', 'CSIDriver', 'CSINode', 'VolumeAttachment']) {
  TOP_FIELDS[kind] = SPEC_STATUS;
}

/** Unknown fields, as dotted paths ("spec.foo"); dropped from the object when `prune`. */
export function unknownFields(kind: ResourceKind, object: KubeObject, prune: boolean): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(object.metadata ?? {})) {
    if (METADATA_FIELDS.has(key)) continue;
    unknown.push(`metadata.${key}`);
    if (prune) delete object.metadata[key];
  }
  if (kind.custom) {
    if (kind.schema) walkSchema(kind.schema, object, '', unknown, prune, true);
    return unknown;
  }
  const allowed = TOP_FIELDS[kind.kind];
  if (!allowed) return unknown;
  for (const key of Object.keys(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata' || allowed.includes(key)) continue;
    unknown.push(key);
    if (prune) delete object[key];
  }
  return unknown;
}

function walkSchema(schema: any, value: any, path: string, unknown: string[], prune: boolean, root = false): void {
  if (!schema || schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walkSchema(schema.items, item, `${path}[${i}]`, unknown, prune));
    return;
  }
  if (!isObject(value)) return;
  if (schema.additionalProperties) {
    if (isObject(schema.additionalProperties)) for (const [k, v] of Object.entries(value)) walkSchema(schema.additionalProperties, v, `${path}.${k}`, unknown, prune);
    return;
  }
  const properties = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    if (key in properties) walkSchema(properties[key], value[key], path ? `${path}.${key}` : key, unknown, prune);
    else {
      unknown.push(path ? `${path}.${key}` : key);
      if (prune) delete value[key];
    }
  }
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A name the real server refuses, with its wording; undefined when the name is fine. */
export function invalidName(kind: ResourceKind, name: string): string | undefined {
  if (kind.group === 'rbac.authorization.k8s.io') return name.includes('/') || name.includes('%') || name === '.' || name === '..' ? `may not contain '/' or '%'` : undefined;
  if (kind.kind === 'Namespace') {
    if (!LABEL.test(name) || name.length > 63) return `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
    return undefined;
  }
  if (kind.kind === 'Service') {
    if (!DNS1035.test(name) || name.length > 63) return `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`;
    return undefined;
  }
  if (!SUBDOMAIN.test(name) || name.length > 253) return `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return undefined;
}

export interface Cause {
  field: string;
  message: string;
  type?: string;
}

const goMap = (labels: Record<string, string>) => `map[string]string{${Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
const WORKLOADS = new Set(['apps/Deployment', 'apps/DaemonSet', 'apps/ReplicaSet', 'apps/StatefulSet']);

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function metadataCauses(object: KubeObject): Cause[] {
  const causes: Cause[] = [];
  const labels: Record<string, unknown> = object.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(labels)) {
    const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
    if (!QUALIFIED_NAME.test(key) || name.length > 63 || key.length - name.length > 254) {
      causes.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')` });
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(value)}: ${typeof value === 'string' && value.length > 63 ? 'must be no more than 63 characters' : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"}` });
    }
  }
  const annotations: Record<string, unknown> = object.metadata?.annotations ?? {};
  const size = Object.entries(annotations).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (size > MAX_ANNOTATIONS_BYTES) causes.push({ field: 'metadata.annotations', message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`, type: 'FieldValueTooLong' });
  return causes;
}

/** Values the real decoder refuses before validation: non-base64 Secret data and binaryData. */
export function undecodable(kind: ResourceKind, object: KubeObject): string | undefined {
  const field = kind.kind === 'Secret' && kind.group === '' ? 'data' : kind.kind === 'ConfigMap' && kind.group === '' ? 'binaryData' : undefined;
  if (!field || !isObject(object[field])) return undefined;
  for (const [key, value] of Object.entries(object[field])) {
    if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
      return `${kind.kind} in version "v1" cannot be handled as a ${kind.kind}: illegal base64 data at input byte ${Math.max(0, String(value).search(/[^A-Za-z0-9+/=]/))} (${field}.${key})`;
    }
  }
  return undefined;
}

/** The checks of the real validation the clients run into: labels, annotation size, workload selectors, Service ports. */
export function invalidObject(kind: ResourceKind, object: KubeObject): Cause[] {
  const causes: Cause[] = metadataCauses(object);
  const id = `${kind.group}/${kind.kind}`;
  if (WORKLOADS.has(id)) {
    const selector = object.spec?.selector;
    if (!isObject(selector) || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
      causes.push({ field: 'spec.selector', message: 'Required value', type: 'FieldValueRequired' });
    } else {
      const labels: Record<string, string> = object.spec?.template?.metadata?.labels ?? {};
      if (Object.entries(selector.matchLabels ?? {}).some(([k, v]) => labels[k] !== v)) {
        causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\`` });
      }
    }
    if (!(object.spec?.template?.spec?.containers ?? []).length) causes.push({ field: 'spec.template.spec.containers', message: 'Required value', type: 'FieldValueRequired' });
  }
  if (id === '/Service') {
    const spec = object.spec ?? {};
    if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && !(spec.ports ?? []).length) causes.push({ field: 'spec.ports', message: 'Required value', type: 'FieldValueRequired' });
    (spec.ports ?? []).forEach((port: { port?: unknown }, i: number) => {
      if (typeof port.port === 'number' && (port.port < 1 || port.port > 65535)) {
        causes.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${port.port}: must be between 1 and 65535, inclusive`, type: 'FieldValueInvalid' });
      }
    });
  }
  return causes;
}

/** Fields the real server refuses to change once set. */
export function immutableChanges(kind: ResourceKind, before: KubeObject, after: KubeObject): Cause[] {
  const causes: Cause[] = [];
  const id = `${kind.group}/${kind.kind}`;
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (WORKLOADS.has(id) && id !== 'apps/ReplicaSet' && !same(before.spec?.selector, after.spec?.selector)) {
    causes.push({ field: 'spec.selector', message: `Invalid value: v1.LabelSelector{MatchLabels:${goMap(after.spec?.selector?.matchLabels ?? {})}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable` });
  }
  if (id === '/Service' && before.spec?.clusterIP && after.spec?.clusterIP && before.spec.clusterIP !== after.spec.clusterIP && after.spec.type !== 'ExternalName') {
    causes.push({ field: 'spec.clusterIPs[0]', message: `Invalid value: []string{${JSON.stringify(after.spec.clusterIP)}}: may not change once set` });
  }
  if ((id === '/ConfigMap' || id === '/Secret') && before.immutable === true) {
    if (!same(before.data, after.data) || !same(before.binaryData, after.binaryData)) causes.push({ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', type: 'FieldValueForbidden' });
    if (after.immutable !== true) causes.push({ field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set', type: 'FieldValueForbidden' });
  }
  if (id === '/Secret' && (before.type ?? 'Opaque') !== (after.type ?? 'Opaque')) {
    causes.push({ field: 'type', message: `Invalid value: ${JSON.stringify(after.type)}: field is immutable`, type: 'FieldValueInvalid' });
  }
  return causes;
}
