import { readFileSync } from 'node:fs';
import { isPlainObject, kindSchema, KUBEADM_GROUP, OLD_VERSIONS, SUPPORTED_VERSIONS, typeMismatch, unknownFields } from './config-schema.js';
import { decodeDocuments, extraArgs, parseDuration, splitApiVersion, type HostFacts } from './config.js';
import { KubeadmError } from './errors.js';

/** What a JoinConfiguration says, in the shape `kubeadm join` uses (the flags' equivalents). */
export interface JoinConfig {
  endpoint: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification: boolean;
  nodeName: string;
  criSocket: string;
  kubeletExtraArgs: Array<{ name: string; value: string }>;
  ignorePreflightErrors: string[];
  controlPlane: boolean;
  /** discovery.timeout (v1beta3) or timeouts.discovery (v1beta4); kubeadm's default 5m0s when absent. */
  discoveryTimeoutMs?: number;
  warnings: Array<{ source: string; message: string }>;
}

/** Reads a JoinConfiguration (v1beta3/v1beta4) as kubeadm's documentMapToJoinConfiguration does. */
export function loadJoinConfigFile(path: string, host: HostFacts): JoinConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KubeadmError(`unable to read config from "${path}" : open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
  }
  const warnings: JoinConfig['warnings'] = [];
  let join: Record<string, unknown> | undefined;
  for (const doc of decodeDocuments(text)) {
    const [group, version] = splitApiVersion(String(doc.apiVersion));
    if (group !== KUBEADM_GROUP || doc.kind !== 'JoinConfiguration') continue;
    if (version in OLD_VERSIONS) {
      throw new KubeadmError(`your configuration file uses an old API spec: "${doc.apiVersion}" (kind: "JoinConfiguration"). Please use kubeadm ${OLD_VERSIONS[version]} instead and run 'kubeadm config migrate --old-config old-config-file --new-config new-config-file', which will write the new, similar spec using a newer API version.`);
    }
    if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
      throw new KubeadmError(`no kind "JoinConfiguration" is registered for version "${doc.apiVersion}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"`);
    }
    const schema = kindSchema(version, 'JoinConfiguration')!;
    if (schema.kind === 'object') {
      const mismatch = typeMismatch(doc, schema, schema.goType, '');
      if (mismatch) throw new KubeadmError(`error unmarshaling JSON: while decoding JSON: ${mismatch}`);
    }
    const unknown = unknownFields(doc, schema);
    if (unknown.length > 0) {
      warnings.push({ source: 'joinconfiguration.go:98', message: `error unmarshaling configuration schema.GroupVersionKind{Group:"${group}", Version:"${version}", Kind:"JoinConfiguration"}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}` });
    }
    join = doc;
  }
  if (!join) throw new KubeadmError('no JoinConfiguration found in the supplied config');
  const discovery = (join.discovery ?? {}) as Record<string, unknown>;
  const bootstrap = (isPlainObject(discovery.bootstrapToken) ? discovery.bootstrapToken : {}) as Record<string, unknown>;
  const nodeReg = (join.nodeRegistration ?? {}) as Record<string, unknown>;
  const timeouts = (isPlainObject(join.timeouts) ? join.timeouts : {}) as Record<string, unknown>;
  const discoveryTimeout = timeouts.discovery ?? discovery.timeout;
  const discoverySeconds = typeof discoveryTimeout === 'string' ? parseDuration(discoveryTimeout) : NaN;
  return {
    endpoint: String(bootstrap.apiServerEndpoint ?? ''),
    token: String(bootstrap.token ?? discovery.tlsBootstrapToken ?? ''),
    caCertHashes: (bootstrap.caCertHashes as string[] | undefined) ?? [],
    unsafeSkipCAVerification: bootstrap.unsafeSkipCAVerification === true,
    nodeName: String(nodeReg.name ?? host.hostname).toLowerCase(),
    criSocket: String(nodeReg.criSocket ?? 'unix:///var/run/containerd/containerd.sock'),
    kubeletExtraArgs: extraArgs(nodeReg.kubeletExtraArgs),
    ignorePreflightErrors: (nodeReg.ignorePreflightErrors as string[] | undefined) ?? [],
    controlPlane: join.controlPlane !== undefined && join.controlPlane !== null,
    ...(Number.isNaN(discoverySeconds) ? {} : { discoveryTimeoutMs: discoverySeconds * 1000 }),
    warnings,
  };
}
