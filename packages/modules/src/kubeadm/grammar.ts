import { isIP } from 'node:net';
import { z } from 'zod';
import { Secret } from '@meshbook/engine';

/**
 * Values that end up in a kubeadm configuration file or on kubeadm's command line, checked against
 * the grammar kubeadm itself validates (so a bad value fails before any host is touched, naming
 * the field, rather than as kubeadm's exit 3 halfway through a play).
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

export function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** An IP address or a lowercase RFC 1123 host name (kubeadm's check for certSANs, endpoints). */
export const hostOrIp = z
  .string()
  .refine((v) => isIP(v) !== 0 || isDnsSubdomain(v), 'an IP address or a lowercase DNS name (RFC 1123: a-z, 0-9, - and .)');

/** certSANs may also be a wildcard DNS name (`*.example.com`), as kubeadm allows. */
export const certSan = z
  .string()
  .refine((v) => isIP(v) !== 0 || isDnsSubdomain(v.startsWith('*.') ? v.slice(2) : v), 'an IP address or a DNS name (a wildcard *.name is allowed)');

/** `host`, `host:port` or `[v6]:port`: kubeadm's controlPlaneEndpoint and a join's apiServerEndpoint. */
export function parseEndpoint(value: string): { host: string; port: number | null } | null {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(value);
  if (v6) return isIP(v6[1]!) === 6 ? { host: v6[1]!, port: v6[2] ? Number(v6[2]) : null } : null;
  const [host = '', port, ...rest] = value.split(':');
  if (rest.length > 0) return null;
  if (isIP(host) === 0 && !isDnsSubdomain(host)) return null;
  if (port === undefined) return { host, port: null };
  return /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535 ? { host, port: Number(port) } : null;
}

export const endpoint = z.string().refine((v) => parseEndpoint(v) !== null, 'host[:port] with a DNS name or an IP address (IPv6 in brackets), port 1-65535');
export const endpointWithPort = z
  .string()
  .refine((v) => parseEndpoint(v)?.port != null, 'host:port with a DNS name or an IP address (IPv6 in brackets), e.g. 10.0.0.10:6443');

function isCidr(value: string): boolean {
  const [ip = '', prefix, ...rest] = value.split('/');
  const family = isIP(ip);
  if (family === 0 || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** One CIDR, or a dual-stack pair given as a list: rendered comma-separated, as kubeadm takes it. */
export const subnet = z
  .union([z.string(), z.array(z.string()).min(1).max(2)])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()))
  .refine((list) => list.every(isCidr), 'a CIDR such as 10.244.0.0/16 (or a dual-stack pair of an IPv4 and an IPv6 CIDR)')
  .transform((list) => list.join(','));

/** A Go duration as kubeadm's configuration takes it: 4m0s, 90s, 1h30m. */
export const goDuration = z.string().regex(/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/, 'a Go duration such as 4m0s, 90s or 1h30m');

/** kubernetesVersion: a release (v1.31.9) or one of kubeadm's labels (stable, stable-1.31, latest). */
export const kubernetesVersion = z
  .string()
  .regex(/^(v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?|(stable|latest)(-\d+(\.\d+)?)?|ci\/latest(-\d+\.\d+)?)$/, 'a Kubernetes release such as v1.31.9, or stable, stable-1.31, latest');

/** An image repository: registry host[:port] and an optional path (registry.k8s.io, 10.0.0.5:5000/k8s). */
export const imageRepository = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'a registry such as registry.k8s.io or host:5000/path (lowercase)');

export const absolutePath = z
  .string()
  .regex(/^\/[^\0\n\r]*$/, 'an absolute path (no newline)')
  .refine((p) => !p.split('/').includes('..'), 'a path without ..');

/** A component flag name as extraArgs take it, without dashes: authorization-mode. */
export const flagName = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a flag name without leading dashes, such as authorization-mode');
/** A flag value: one line (the YAML library quotes it; kubeadm passes it as --name=value). */
export const flagValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform(String)
  .refine((v) => !/[\0\n\r]/.test(v), 'a single-line value');
export const extraArgs = z.record(flagName, flagValue);

export const nodeName = z.string().refine(isDnsSubdomain, 'a lowercase RFC 1123 node name (a-z, 0-9, - and .)');
export const criSocket = z.string().regex(/^(unix:\/\/)?\/[A-Za-z0-9._/-]+$/, 'a CRI socket such as unix:///var/run/containerd/containerd.sock');
export const clusterName = z.string().refine(isDnsSubdomain, 'a lowercase RFC 1123 name such as cluster-ayk');

/** A kubeadm phase name: addon/kube-proxy. */
export const phaseName = z.string().regex(/^[a-z0-9-]+(\/[a-z0-9-]+)*$/, 'a kubeadm phase such as addon/kube-proxy');
/** A preflight check name (Port-6443, FileAvailable--etc-kubernetes-kubelet.conf) or "all". */
export const preflightCheck = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a preflight check name such as Port-6443, or all');

export const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
export const CA_CERT_HASH = /^sha256:[0-9a-f]{64}$/;
export const CERTIFICATE_KEY = /^[0-9a-f]{64}$/;

/**
 * A secret given as a Secret or as plain text (then wrapped): its grammar is checked, and the
 * message never quotes the value.
 */
export function secretMatching(pattern: RegExp, what: string) {
  return z
    .union([z.instanceof(Secret), z.string()])
    .transform((v) => (v instanceof Secret ? v : new Secret(v)))
    .refine((s) => pattern.test(s.reveal()), `${what} (the value is not shown)`);
}

/** A certificate subject part (client name, organisation): printable, no separators openssl would split on. */
export const subjectPart = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._@ -]{0,63}$/, 'letters, digits and : . _ @ - (at most 64), such as kubernetes-admin-ayk or system:masters');
