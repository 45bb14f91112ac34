import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { isPlainObject, kindSchema, KUBEADM_GROUP, OLD_VERSIONS, SUPPORTED_VERSIONS, typeMismatch, unknownFields } from './config-schema.js';
import { KubeadmError, validationError, type FieldError } from './errors.js';
import { parseCidr, type Cidr } from './cidr.js';

export const KUBERNETES_VERSION = 'v1.31.9';
const DEFAULT_SERVICE_SUBNET = '10.96.0.0/12';
const DEFAULT_CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';
const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;
export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

export interface BootstrapTokenSpec {
  token: string;
  description: string;
  ttlSeconds: number;
  usages: string[];
  groups: string[];
}

/** The init configuration after kubeadm's defaulting, in the shape the phases use. */
export interface InitConfig {
  apiVersion: string;
  nodeName: string;
  advertiseAddress: string;
  bindPort: number;
  criSocket: string;
  /** nodeRegistration.kubeletExtraArgs (a map in v1beta3, a list in v1beta4), in order */
  kubeletExtraArgs: Array<{ name: string; value: string }>;
  taints: Array<{ key: string; value?: string; effect: string }>;
  bootstrapTokens: BootstrapTokenSpec[];
  certificateKey?: string;
  skipPhases: string[];
  clusterName: string;
  kubernetesVersion: string;
  controlPlaneEndpoint?: string;
  certSANs: string[];
  serviceSubnet: string;
  podSubnet?: string;
  dnsDomain: string;
  certificatesDir: string;
  etcdDataDir: string;
  /** The ClusterConfiguration as kubeadm uploads it in the kubeadm-config ConfigMap. */
  clusterConfiguration: Record<string, unknown>;
  /** Component configs given in the file (KubeletConfiguration, KubeProxyConfiguration). */
  componentConfigs: Record<string, Record<string, unknown>>;
}

/** What the host tells the defaults: its name and the address of its default route. */
export interface HostFacts {
  hostname: string;
  defaultAddress: string;
}

export interface LoadResult {
  config: InitConfig;
  /** klog warnings kubeadm prints on stderr and continues (unknown fields, ignored documents). */
  warnings: Array<{ source: string; message: string }>;
}

/**
 * `strict`: unknown fields are errors (`kubeadm config validate`); otherwise warnings (`kubeadm init`),
 * as kubeadm's documentMapToInitConfiguration does with its strictErrors argument.
 */
export function loadInitConfigFile(path: string, host: HostFacts, strict = false): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new KubeadmError(`unable to read config from "${path}" : open ${path}: ${reason}`);
  }
  return parseInitConfig(text, host, strict);
}

/** Parses, strictly checks (warnings, as kubeadm v1.31), defaults and validates init config documents. */
export function parseInitConfig(text: string, host: HostFacts, strict = false): LoadResult {
  const warnings: LoadResult['warnings'] = [];
  const docs = decodeDocuments(text);
  let init: Record<string, unknown> | undefined;
  let cluster: Record<string, unknown> | undefined;
  let apiVersion = `${KUBEADM_GROUP}/v1beta4`;
  const componentConfigs: InitConfig['componentConfigs'] = {};
  for (const doc of docs) {
    const [group, version] = splitApiVersion(String(doc.apiVersion ?? ''));
    const kind = String(doc.kind ?? '');
    if (group === KUBEADM_GROUP) {
      if (version in OLD_VERSIONS) {
        throw new KubeadmError(
          `your configuration file uses an old API spec: "${doc.apiVersion}" (kind: "${kind}"). Please use kubeadm ${OLD_VERSIONS[version]} instead and run 'kubeadm config migrate --old-config old-config-file --new-config new-config-file', which will write the new, similar spec using a newer API version.`,
        );
      }
      const schema = (SUPPORTED_VERSIONS as readonly string[]).includes(version) ? kindSchema(version, kind) : undefined;
      if (!schema) {
        if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
          throw new KubeadmError(`no kind "${kind}" is registered for version "${doc.apiVersion}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"`);
        }
        warnings.push({ source: 'initconfiguration.go:362', message: `[config] WARNING: Ignored configuration document with GroupVersionKind ${doc.apiVersion}, Kind=${kind}` });
        continue;
      }
      if (schema.kind !== 'object') continue;
      const mismatch = typeMismatch(doc, schema, schema.goType, '');
      if (mismatch) throw new KubeadmError(`error unmarshaling JSON: while decoding JSON: ${mismatch.replace('field .', 'field ')}`);
      const unknown = unknownFields(doc, schema);
      if (unknown.length > 0) {
        const message = `error unmarshaling configuration schema.GroupVersionKind{Group:"${group}", Version:"${version}", Kind:"${kind}"}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`;
        if (strict) throw new KubeadmError(message);
        warnings.push({ source: 'initconfiguration.go:332', message });
      }
      if (kind === 'InitConfiguration') init = doc;
      else if (kind === 'ClusterConfiguration') cluster = doc;
      else continue; // a JoinConfiguration beside an init config is ignored by init
      apiVersion = String(doc.apiVersion);
    } else if (kind) {
      componentConfigs[kind] = doc;
    }
  }
  const version = resolveKubernetesVersion(String((cluster ?? {}).kubernetesVersion ?? 'stable-1'));
  warnings.push(...version.warnings);
  const config = defaulted(init ?? {}, { ...(cluster ?? {}), kubernetesVersion: version.version }, apiVersion, componentConfigs, host);
  const errors = validate(config);
  if (errors.length > 0) throw validationError(errors);
  return { config, warnings };
}

export function decodeDocuments(text: string): Array<Record<string, unknown>> {
  const docs = parseAllDocuments(text);
  const out: Array<Record<string, unknown>> = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new KubeadmError(`error converting YAML to JSON: yaml: ${doc.errors[0]!.message.split('\n')[0]}`);
    }
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) throw new KubeadmError('error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type struct');
    if (!value.apiVersion || !value.kind) {
      throw new KubeadmError(`invalid configuration for GroupVersionKind /, Kind=: kind and apiVersion is mandatory information that must be specified`);
    }
    out.push(value);
  }
  if (out.length === 0) throw new KubeadmError('no InitConfiguration or ClusterConfiguration kind was found in the YAML file');
  return out;
}

export function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

const MINIMUM_CONTROL_PLANE_VERSION = [1, 30, 0] as const;

/**
 * kubeadm's NormalizeKubernetesVersion: a label (`stable`, `stable-1.31`, `latest`) would be looked
 * up on dl.k8s.io; offline, kubeadm warns and falls back to its own version, which the double always
 * does (the lab has no internet). A version below kubeadm's supported skew is refused.
 */
export function resolveKubernetesVersion(text: string): { version: string; warnings: LoadResult['warnings'] } {
  if (/^(stable|latest|ci)(-\d+(\.\d+)?)?$/.test(text)) {
    const url = `https://dl.k8s.io/release/${text}.txt`;
    return {
      version: KUBERNETES_VERSION,
      warnings: [
        { source: 'version.go:104', message: `could not fetch a Kubernetes version from the internet: unable to get URL "${url}": Get "${url}": the lab's kubeadm double does not reach the internet` },
        { source: 'version.go:105', message: `falling back to the local client version: ${KUBERNETES_VERSION}` },
      ],
    };
  }
  const m = /^v?(\d+)\.(\d+)\.(\d+)([-+].*)?$/.exec(text);
  if (!m) throw new KubeadmError(`version "${text}" doesn't match patterns for neither semantic version nor labels (stable, latest, ...)`);
  const version = `v${m[1]}.${m[2]}.${m[3]}${m[4] ?? ''}`;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  const tooOld = parts.findIndex((n, i) => n !== MINIMUM_CONTROL_PLANE_VERSION[i]!);
  if (tooOld >= 0 && parts[tooOld]! < MINIMUM_CONTROL_PLANE_VERSION[tooOld]!) {
    throw new KubeadmError(`this version of kubeadm only supports deploying clusters with the control plane version >= ${MINIMUM_CONTROL_PLANE_VERSION.join('.')}. Current version: ${version}`);
  }
  return { version, warnings: [] };
}

function defaulted(
  init: Record<string, unknown>,
  cluster: Record<string, unknown>,
  apiVersion: string,
  componentConfigs: InitConfig['componentConfigs'],
  host: HostFacts,
): InitConfig {
  const nodeReg = (init.nodeRegistration ?? {}) as Record<string, unknown>;
  const endpoint = (init.localAPIEndpoint ?? {}) as Record<string, unknown>;
  const networking = (cluster.networking ?? {}) as Record<string, unknown>;
  const apiServer = (cluster.apiServer ?? {}) as Record<string, unknown>;
  const etcdLocal = ((cluster.etcd ?? {}) as Record<string, unknown>).local as Record<string, unknown> | undefined;
  const tokens = ((init.bootstrapTokens ?? [{}]) as Array<Record<string, unknown>>).map((t) => ({
    token: String(t.token ?? ''),
    description: String(t.description ?? ''),
    ttlSeconds: t.ttl === undefined ? DEFAULT_TOKEN_TTL_SECONDS : parseDuration(String(t.ttl)),
    usages: (t.usages as string[] | undefined) ?? ['signing', 'authentication'],
    groups: (t.groups as string[] | undefined) ?? ['system:bootstrappers:kubeadm:default-node-token'],
  }));
  const taints = (nodeReg.taints as InitConfig['taints'] | undefined) ?? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }];
  const clusterConfiguration = {
    apiServer: {},
    apiVersion,
    caCertificateValidityPeriod: '87600h0m0s',
    certificateValidityPeriod: '8760h0m0s',
    certificatesDir: '/etc/kubernetes/pki',
    clusterName: 'kubernetes',
    controllerManager: {},
    dns: {},
    encryptionAlgorithm: 'RSA-2048',
    etcd: { local: { dataDir: '/var/lib/etcd' } },
    imageRepository: 'registry.k8s.io',
    kind: 'ClusterConfiguration',
    kubernetesVersion: KUBERNETES_VERSION,
    networking: { dnsDomain: 'cluster.local', serviceSubnet: DEFAULT_SERVICE_SUBNET },
    proxy: {},
    scheduler: {},
    ...cluster,
  } as Record<string, unknown>;
  clusterConfiguration.apiVersion = apiVersion;
  clusterConfiguration.networking = { dnsDomain: 'cluster.local', serviceSubnet: DEFAULT_SERVICE_SUBNET, ...networking };
  return {
    apiVersion,
    nodeName: String(nodeReg.name ?? host.hostname.toLowerCase()),
    advertiseAddress: String(endpoint.advertiseAddress ?? host.defaultAddress),
    bindPort: endpoint.bindPort === undefined ? 6443 : Number(endpoint.bindPort),
    criSocket: String(nodeReg.criSocket ?? DEFAULT_CRI_SOCKET),
    kubeletExtraArgs: extraArgs(nodeReg.kubeletExtraArgs),
    taints,
    bootstrapTokens: tokens,
    certificateKey: init.certificateKey === undefined ? undefined : String(init.certificateKey),
    skipPhases: (init.skipPhases as string[] | undefined) ?? [],
    clusterName: String(cluster.clusterName ?? 'kubernetes'),
    kubernetesVersion: String(cluster.kubernetesVersion ?? KUBERNETES_VERSION),
    controlPlaneEndpoint: cluster.controlPlaneEndpoint ? String(cluster.controlPlaneEndpoint) : undefined,
    certSANs: (apiServer.certSANs as string[] | undefined) ?? [],
    serviceSubnet: String(networking.serviceSubnet ?? DEFAULT_SERVICE_SUBNET),
    podSubnet: networking.podSubnet ? String(networking.podSubnet) : undefined,
    dnsDomain: String(networking.dnsDomain ?? 'cluster.local'),
    certificatesDir: String(cluster.certificatesDir ?? '/etc/kubernetes/pki'),
    etcdDataDir: String(etcdLocal?.dataDir ?? '/var/lib/etcd'),
    clusterConfiguration,
    componentConfigs,
  };
}

/** v1beta3's `{name: value}` map or v1beta4's `[{name, value}]` list, as one list. */
export function extraArgs(value: unknown): Array<{ name: string; value: string }> {
  if (Array.isArray(value)) return value.map((a: { name?: unknown; value?: unknown }) => ({ name: String(a.name ?? ''), value: String(a.value ?? '') }));
  if (isPlainObject(value)) return Object.entries(value).map(([name, v]) => ({ name, value: String(v) }));
  return [];
}

/** kubeadm's ValidateInitConfiguration, for the fields the double uses. */
export function validate(config: InitConfig): FieldError[] {
  const errors: FieldError[] = [];
  errors.push(...validateSubnets('networking.serviceSubnet', config.serviceSubnet, 10, (cidr, path) => {
    const maxBits = cidr.bits === 32 ? 12 : 108;
    return cidr.prefix < maxBits
      ? [{ path, value: cidr.text, detail: `specified service subnet is too large; for ${cidr.bits}-bit addresses, the mask must be >= ${maxBits}` }]
      : [];
  }));
  if (config.podSubnet !== undefined) {
    errors.push(...validateSubnets('networking.podSubnet', config.podSubnet, 4, (cidr, path) => {
      const nodeMask = cidr.bits === 32 ? 24 : 64;
      return cidr.prefix > nodeMask
        ? [{ path, value: config.podSubnet, detail: `the size of pod subnet with mask ${cidr.prefix} is smaller than the size of node subnet with mask ${nodeMask}` }]
        : [];
    }));
  }
  if (!DNS1123_SUBDOMAIN.test(config.dnsDomain)) errors.push({ path: 'networking.dnsDomain', value: config.dnsDomain, detail: DNS1123_MESSAGE });
  if (isIP(config.advertiseAddress) === 0) {
    errors.push({ path: 'localAPIEndpoint.advertiseAddress', value: config.advertiseAddress, detail: 'Invalid IP address' });
  }
  if (!Number.isInteger(config.bindPort) || config.bindPort < 1 || config.bindPort > 65535) {
    errors.push({ path: 'localAPIEndpoint.bindPort', value: config.bindPort, detail: 'port number is not valid' });
  }
  config.kubeletExtraArgs.forEach((arg, i) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(arg.name)) errors.push({ path: `nodeRegistration.kubeletExtraArgs[${i}].name`, value: arg.name, detail: 'argument name must be a flag name without leading dashes' });
  });
  if (!DNS1123_SUBDOMAIN.test(config.nodeName)) errors.push({ path: 'nodeRegistration.name', value: config.nodeName, detail: DNS1123_MESSAGE });
  config.bootstrapTokens.forEach((t, i) => {
    if (t.token !== '' && !BOOTSTRAP_TOKEN_RE.test(t.token)) {
      errors.push({ path: `bootstrapTokens[${i}].token`, value: t.token, detail: 'the bootstrap token is invalid' });
    }
    if (Number.isNaN(t.ttlSeconds)) errors.push({ path: `bootstrapTokens[${i}].ttl`, value: t.ttlSeconds, detail: 'invalid duration' });
  });
  config.certSANs.forEach((san, i) => {
    if (isIP(san) === 0 && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(san)) {
      errors.push({ path: `apiServer.certSANs[${i}]`, value: san, detail: 'altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards' });
    }
  });
  if (config.controlPlaneEndpoint !== undefined && !validHostPort(config.controlPlaneEndpoint)) {
    errors.push({ path: 'controlPlaneEndpoint', value: config.controlPlaneEndpoint, detail: 'controlPlaneEndpoint must be a valid host or host:port' });
  }
  if (config.certificateKey !== undefined && !/^[0-9a-f]{64}$/.test(config.certificateKey)) {
    errors.push({ path: 'certificateKey', value: config.certificateKey, detail: 'certificateKey must be a 32-byte hex-encoded AES key' });
  }
  return errors;
}

function validateSubnets(
  path: string,
  value: string,
  minAddresses: number,
  extra: (cidr: Cidr, path: string) => FieldError[],
): FieldError[] {
  const parts = value.split(',');
  const cidrs = parts.map(parseCidr);
  if (cidrs.some((c) => c === undefined)) return [{ path, value, detail: "couldn't parse subnet" }];
  const errors: FieldError[] = [];
  for (const cidr of cidrs as Cidr[]) {
    const addresses = 2 ** Math.min(cidr.bits - cidr.prefix, 62);
    if (addresses < minAddresses) {
      errors.push({ path, value: cidr.text, detail: `subnet with ${addresses} address(es) is too small, the minimum is ${minAddresses}` });
    }
    errors.push(...extra(cidr, path));
  }
  return errors;
}

function validHostPort(value: string): boolean {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value);
  if (!m) return false;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = m[2] === undefined ? 6443 : Number(m[2]);
  return (isIP(host) !== 0 || DNS1123_SUBDOMAIN.test(host)) && port >= 1 && port <= 65535;
}

/** Go's time.ParseDuration for the units kubeadm configs use (h, m, s). */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : Number.NaN;
}
