// The decoding errors of the real server for the values people get wrong most in YAML: a number
// where a string belongs (env values, labels, ConfigMap data) or a string where a number belongs
// (replicas, ports). Worded as Go's encoding/json words them, which the clients print.
import type { ResourceKind } from './kinds.js';
import { isObject } from './patch.js';
import type { KubeObject } from './store.js';

type Expected = 'string' | 'int32';
/** [json path without list indexes, Go struct of the field, expected type]; `*` is any map key. */
type Rule = [string, string, Expected];

const POD_SPEC = (prefix: string): Rule[] => [
  [`${prefix}containers.name`, 'Container', 'string'],
  [`${prefix}containers.image`, 'Container', 'string'],
  [`${prefix}containers.env.name`, 'EnvVar', 'string'],
  [`${prefix}containers.env.value`, 'EnvVar', 'string'],
  [`${prefix}containers.ports.containerPort`, 'ContainerPort', 'int32'],
  [`${prefix}initContainers.env.value`, 'EnvVar', 'string'],
  [`${prefix}nodeSelector.*`, 'PodSpec', 'string'],
];
const TEMPLATE: Rule[] = [['spec.template.metadata.labels.*', 'ObjectMeta', 'string'], ...POD_SPEC('spec.template.spec.')];

const RULES: Record<string, Rule[]> = {
  '/ConfigMap': [['data.*', 'ConfigMap', 'string']],
  '/Secret': [['stringData.*', 'Secret', 'string']],
  '/Pod': POD_SPEC('spec.'),
  '/Service': [['spec.ports.port', 'ServicePort', 'int32'], ['spec.ports.nodePort', 'ServicePort', 'int32'], ['spec.selector.*', 'ServiceSpec', 'string']],
  'apps/Deployment': [['spec.replicas', 'DeploymentSpec', 'int32'], ...TEMPLATE],
  'apps/ReplicaSet': [['spec.replicas', 'ReplicaSetSpec', 'int32'], ...TEMPLATE],
  'apps/StatefulSet': [['spec.replicas', 'StatefulSetSpec', 'int32'], ...TEMPLATE],
  'apps/DaemonSet': TEMPLATE,
  'batch/Job': TEMPLATE,
};
const METADATA: Rule[] = [['metadata.labels.*', 'ObjectMeta', 'string'], ['metadata.annotations.*', 'ObjectMeta', 'string']];

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function mismatch(value: unknown, expected: Expected): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (expected === 'string') return typeof value === 'string' ? undefined : jsonType(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? undefined : `number ${value}`;
  return jsonType(value);
}

/** The first decoding error in the object, as the server reports it; undefined when it decodes. */
export function decodingError(kind: ResourceKind, object: KubeObject): string | undefined {
  if (kind.custom) return undefined;
  const rules = [...METADATA, ...(RULES[`${kind.group}/${kind.kind}`] ?? [])];
  for (const [path, struct, expected] of rules) {
    for (const { value, goPath } of valuesAt(object, path.split('.'))) {
      const wrong = mismatch(value, expected);
      if (wrong) return `${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: json: cannot unmarshal ${wrong} into Go struct field ${struct}.${goPath} of type ${expected}`;
    }
  }
  return undefined;
}

/** Every value at a path (through lists and, for `*`, map values), with Go's field path (no indexes, no map keys). */
function valuesAt(root: unknown, parts: string[], goPath: string[] = []): Array<{ value: unknown; goPath: string }> {
  if (Array.isArray(root)) return root.flatMap((item) => valuesAt(item, parts, goPath));
  if (!parts.length) return [{ value: root, goPath: goPath.join('.') }];
  if (!isObject(root)) return [];
  const [head, ...rest] = parts as [string, ...string[]];
  if (head === '*') return Object.values(root).flatMap((v) => valuesAt(v, rest, goPath));
  if (!(head in root)) return [];
  return valuesAt(root[head], rest, [...goPath, head]);
}
