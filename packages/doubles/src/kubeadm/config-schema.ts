/**
 * The fields kubeadm's v1beta3 and v1beta4 config kinds accept, for the strict decoding check.
 * Only kubeadm's own kinds are checked; component configs (KubeletConfiguration,
 * KubeProxyConfiguration) are passed through as kubeadm passes them to their components.
 */
export type Schema =
  | { kind: 'string' | 'int' | 'bool' | 'any' }
  | { kind: 'list'; of: Schema }
  | { kind: 'map'; of: Schema }
  | { kind: 'object'; goType: string; fields: Record<string, Schema> };

const str: Schema = { kind: 'string' };
const int: Schema = { kind: 'int' };
const bool: Schema = { kind: 'bool' };
const any: Schema = { kind: 'any' };
const list = (of: Schema): Schema => ({ kind: 'list', of });
const map = (of: Schema): Schema => ({ kind: 'map', of });
const obj = (goType: string, fields: Record<string, Schema>): Schema => ({ kind: 'object', goType, fields });
const typeMeta = { apiVersion: str, kind: str };

const bootstrapToken = obj('BootstrapToken', { token: str, description: str, ttl: str, expires: str, usages: list(str), groups: list(str) });
const taint = obj('Taint', { key: str, value: str, effect: str, timeAdded: str });
const apiEndpoint = obj('APIEndpoint', { advertiseAddress: str, bindPort: int });
const patches = obj('Patches', { directory: str });
const hostPathMount = obj('HostPathMount', { name: str, hostPath: str, mountPath: str, readOnly: bool, pathType: str });
const arg = obj('Arg', { name: str, value: str });
const envVar = obj('EnvVar', { name: str, value: str, valueFrom: any });

function nodeRegistration(v4: boolean): Schema {
  return obj('NodeRegistrationOptions', {
    name: str, criSocket: str, taints: list(taint), kubeletExtraArgs: v4 ? list(arg) : map(str),
    ignorePreflightErrors: list(str), imagePullPolicy: str, ...(v4 ? { imagePullSerial: bool } : {}),
  });
}

function component(v4: boolean, extra: Record<string, Schema> = {}): Schema {
  return obj('ControlPlaneComponent', {
    extraArgs: v4 ? list(arg) : map(str), extraVolumes: list(hostPathMount), ...(v4 ? { extraEnvVars: list(envVar) } : {}), ...extra,
  });
}

function clusterConfiguration(v4: boolean): Schema {
  const localEtcd = obj('LocalEtcd', {
    imageRepository: str, imageTag: str, dataDir: str, extraArgs: v4 ? list(arg) : map(str),
    ...(v4 ? { extraEnvVars: list(envVar) } : {}), serverCertSANs: list(str), peerCertSANs: list(str),
  });
  const externalEtcd = obj('ExternalEtcd', { endpoints: list(str), caFile: str, certFile: str, keyFile: str });
  return obj('ClusterConfiguration', {
    ...typeMeta,
    etcd: obj('Etcd', { local: localEtcd, external: externalEtcd }),
    networking: obj('Networking', { serviceSubnet: str, podSubnet: str, dnsDomain: str }),
    kubernetesVersion: str,
    controlPlaneEndpoint: str,
    apiServer: obj('APIServer', {
      extraArgs: v4 ? list(arg) : map(str), extraVolumes: list(hostPathMount), certSANs: list(str),
      ...(v4 ? { extraEnvVars: list(envVar) } : { timeoutForControlPlane: str }),
    }),
    controllerManager: component(v4),
    scheduler: component(v4),
    dns: obj('DNS', { imageRepository: str, imageTag: str, ...(v4 ? { disabled: bool } : {}) }),
    ...(v4 ? { proxy: obj('Proxy', { disabled: bool }) } : {}),
    certificatesDir: str,
    imageRepository: str,
    featureGates: map(bool),
    clusterName: str,
    ...(v4 ? { encryptionAlgorithm: str, certificateValidityPeriod: str, caCertificateValidityPeriod: str } : {}),
  });
}

function initConfiguration(v4: boolean): Schema {
  return obj('InitConfiguration', {
    ...typeMeta,
    bootstrapTokens: list(bootstrapToken),
    ...(v4 ? { dryRun: bool } : {}),
    nodeRegistration: nodeRegistration(v4),
    localAPIEndpoint: apiEndpoint,
    certificateKey: str,
    skipPhases: list(str),
    patches,
    ...(v4 ? {
      timeouts: obj('Timeouts', {
        controlPlaneComponentHealthCheck: str, kubeletHealthCheck: str, kubernetesAPICall: str, etcdAPICall: str,
        tlsBootstrap: str, discovery: str, upgradeManifests: str,
      }),
    } : {}),
  });
}

function joinConfiguration(v4: boolean): Schema {
  const bootstrapTokenDiscovery = obj('BootstrapTokenDiscovery', {
    token: str, apiServerEndpoint: str, caCertHashes: list(str), unsafeSkipCAVerification: bool,
  });
  return obj('JoinConfiguration', {
    ...typeMeta,
    ...(v4 ? { dryRun: bool } : {}),
    nodeRegistration: nodeRegistration(v4),
    caCertPath: str,
    discovery: obj('Discovery', {
      bootstrapToken: bootstrapTokenDiscovery, file: obj('FileDiscovery', { kubeConfigPath: str }),
      tlsBootstrapToken: str, ...(v4 ? {} : { timeout: str }),
    }),
    controlPlane: obj('JoinControlPlane', { localAPIEndpoint: apiEndpoint, certificateKey: str }),
    skipPhases: list(str),
    patches,
    ...(v4 ? { timeouts: any } : {}),
  });
}

export const KUBEADM_GROUP = 'kubeadm.k8s.io';
export const SUPPORTED_VERSIONS = ['v1beta3', 'v1beta4'] as const;
/** API versions kubeadm v1.31 knows it no longer reads, and the kubeadm release that last did. */
export const OLD_VERSIONS: Record<string, string> = { v1beta1: 'v1.17', v1beta2: 'v1.21', v1alpha3: 'v1.14' };

export function kindSchema(version: string, kind: string): Schema | undefined {
  const v4 = version === 'v1beta4';
  switch (kind) {
    case 'InitConfiguration': return initConfiguration(v4);
    case 'ClusterConfiguration': return clusterConfiguration(v4);
    case 'JoinConfiguration': return joinConfiguration(v4);
    default: return undefined;
  }
}

/** Paths of fields the schema does not know, as Go's strict decoder names them (`a.b`, `a[0].b`). */
export function unknownFields(value: unknown, schema: Schema, path = ''): string[] {
  if (schema.kind === 'object' && isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, child]) => {
      const childPath = path ? `${path}.${key}` : key;
      const childSchema = schema.fields[key];
      return childSchema ? unknownFields(child, childSchema, childPath) : [childPath];
    });
  }
  if (schema.kind === 'list' && Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, schema.of, `${path}[${i}]`));
  if (schema.kind === 'map' && isPlainObject(value)) return Object.entries(value).flatMap(([k, v]) => unknownFields(v, schema.of, `${path}[${k}]`));
  return [];
}

/** The first value whose JSON type cannot decode into the Go field, as encoding/json says it. */
export function typeMismatch(value: unknown, schema: Schema, goType: string, path: string): string | undefined {
  if (value === null || value === undefined || schema.kind === 'any') return undefined;
  const found = jsonType(value);
  const mismatch = (expected: string) =>
    `json: cannot unmarshal ${found} into Go struct field ${goType}.${path} of type ${expected}`;
  switch (schema.kind) {
    case 'string': return typeof value === 'string' ? undefined : mismatch('string');
    case 'int': return Number.isInteger(value) ? undefined : mismatch('int32');
    case 'bool': return typeof value === 'boolean' ? undefined : mismatch('bool');
    case 'list':
      if (!Array.isArray(value)) return mismatch(`[]${goName(schema.of)}`);
      for (const v of value) {
        const e = typeMismatch(v, schema.of, goType, path);
        if (e) return e;
      }
      return undefined;
    case 'map':
      if (!isPlainObject(value)) return mismatch(`map[string]${goName(schema.of)}`);
      for (const v of Object.values(value)) {
        const e = typeMismatch(v, schema.of, goType, path);
        if (e) return e;
      }
      return undefined;
    case 'object':
      if (!isPlainObject(value)) return mismatch(`${schema.goType}`);
      for (const [k, v] of Object.entries(value)) {
        const child = schema.fields[k];
        if (!child) continue;
        // a field is named by the struct that holds it and its full path, as encoding/json does
        const e = typeMismatch(v, child, schema.goType, path ? `${path}.${k}` : k);
        if (e) return e;
      }
      return undefined;
  }
}

function goName(schema: Schema): string {
  switch (schema.kind) {
    case 'string': return 'string';
    case 'int': return 'int32';
    case 'bool': return 'bool';
    case 'any': return 'interface {}';
    case 'list': return `[]${goName(schema.of)}`;
    case 'map': return `map[string]${goName(schema.of)}`;
    case 'object': return `v1beta.${schema.goType}`;
  }
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return 'object';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
