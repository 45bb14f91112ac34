// Who is asking (client certificate, bootstrap token, or anonymous) and whether they may: the
// `system:masters` group may do anything; bootstrap tokens may do what `kubeadm join` needs;
// nodes may read and keep their own Node and Lease; anonymous may read kube-public's
// cluster-info (token discovery) and the health endpoints; everyone else is judged by RBAC.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { unauthorized } from './status.js';
import type { KubeObject, Store } from './store.js';
import { objectKey } from './store.js';

export interface User {
  name: string;
  groups: string[];
}

export interface RequestAttributes {
  verb: string;
  /** set for resource requests */
  resource?: { group: string; resource: string; subresource?: string; namespace?: string; name?: string };
  /** set for non-resource requests (/version, /healthz, /api, ...) */
  path?: string;
}

export const ANONYMOUS: User = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export function authenticate(request: IncomingMessage, store: Store, bootstrapTokens: boolean): User {
  const socket = request.socket as TLSSocket;
  const certificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (certificate && Object.keys(certificate).length) {
    if (!socket.authorized) throw unauthorized();
    const subject = certificate.subject as unknown as Record<string, string | string[] | undefined>;
    const name = [subject.CN].flat()[0];
    if (!name) throw unauthorized();
    const groups = [subject.O ?? []].flat().filter((g): g is string => typeof g === 'string');
    return { name, groups: [...groups, 'system:authenticated'] };
  }
  const header = request.headers.authorization;
  if (header) {
    const match = header.match(/^Bearer\s+([a-z0-9]{6})\.([a-z0-9]{16})$/);
    if (!match || !bootstrapTokens) throw unauthorized();
    const [, id, secret] = match as unknown as [string, string, string];
    return bootstrapTokenUser(store, id, secret);
  }
  return ANONYMOUS;
}

function bootstrapTokenUser(store: Store, id: string, secret: string): User {
  const stored = store.get(objectKey('', 'secrets', 'kube-system', `bootstrap-token-${id}`));
  if (!stored || stored.type !== 'bootstrap.kubernetes.io/token') throw unauthorized();
  const data = decodeData(stored);
  const expected = Buffer.from(data['token-secret'] ?? '');
  const given = Buffer.from(secret);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw unauthorized();
  if (data['token-id'] !== id || data['usage-bootstrap-authentication'] !== 'true') throw unauthorized();
  if (data.expiration && Date.parse(data.expiration) < Date.now()) throw unauthorized();
  const extra = (data['auth-extra-groups'] ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  return { name: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}

function decodeData(secret: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) out[key] = Buffer.from(String(value), 'base64').toString('utf8');
  for (const [key, value] of Object.entries(secret.stringData ?? {})) out[key] = String(value);
  return out;
}

const PUBLIC_PATHS = [/^\/version\/?$/, /^\/healthz/, /^\/readyz/, /^\/livez/];
const READ_VERBS = new Set(['get', 'list', 'watch']);

export function authorize(user: User, attributes: RequestAttributes, store: Store): boolean {
  if (user.groups.includes('system:masters')) return true;
  const { verb, resource, path } = attributes;
  if (path !== undefined) {
    if (PUBLIC_PATHS.some((p) => p.test(path))) return true;
    if (user.groups.includes('system:authenticated') && /^\/(api|apis|openapi)(\/|$)/.test(path)) return true;
    return rbacAllows(user, attributes, store);
  }
  if (!resource) return false;
  const { group, namespace, name, subresource } = resource;
  const kind = `${group}/${resource.resource}`;
  if (verb === 'get' && kind === '/configmaps' && namespace === 'kube-public' && name === 'cluster-info') return true;
  if (user.groups.includes('system:bootstrappers')) {
    if (READ_VERBS.has(verb) && kind === '/configmaps' && (namespace === 'kube-system' || namespace === 'kube-public')) return true;
    if (verb === 'get' && kind === '/nodes') return true;
    if (kind === 'certificates.k8s.io/certificatesigningrequests' && !subresource && ['create', ...READ_VERBS].includes(verb)) return true;
  }
  if (user.groups.includes('system:nodes') && user.name.startsWith('system:node:')) {
    const node = user.name.slice('system:node:'.length);
    if (READ_VERBS.has(verb) && kind !== '/secrets') return true;
    if (kind === '/nodes' && (verb === 'create' || name === node)) return true;
    if (kind === 'coordination.k8s.io/leases' && namespace === 'kube-node-lease' && (verb === 'create' || name === node)) return true;
    if (kind === 'certificates.k8s.io/certificatesigningrequests' && verb === 'create') return true;
    if ((kind === '/events' || kind === 'events.k8s.io/events') && ['create', 'update', 'patch'].includes(verb)) return true;
  }
  return rbacAllows(user, attributes, store);
}

function subjectMatches(user: User, subjects: any[] | undefined, bindingNamespace?: string): boolean {
  return (subjects ?? []).some((s) => {
    if (s.kind === 'User') return s.name === user.name;
    if (s.kind === 'Group') return user.groups.includes(s.name);
    if (s.kind === 'ServiceAccount') return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace}:${s.name}`;
    return false;
  });
}

function ruleAllows(rule: any, attributes: RequestAttributes): boolean {
  const verbs: string[] = rule.verbs ?? [];
  if (!verbs.includes('*') && !verbs.includes(attributes.verb)) return false;
  if (attributes.path !== undefined) {
    return (rule.nonResourceURLs ?? []).some((u: string) => u === attributes.path || u === '*' || (u.endsWith('*') && attributes.path!.startsWith(u.slice(0, -1))));
  }
  const r = attributes.resource!;
  const groups: string[] = rule.apiGroups ?? [];
  if (!groups.includes('*') && !groups.includes(r.group)) return false;
  const resources: string[] = rule.resources ?? [];
  const wanted = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  if (!resources.includes('*') && !resources.includes(wanted) && !(r.subresource && resources.includes(`*/${r.subresource}`))) return false;
  const names: string[] = rule.resourceNames ?? [];
  return !names.length || (r.name !== undefined && names.includes(r.name));
}

function rulesOf(store: Store, roleRef: any, namespace?: string): any[] {
  if (roleRef?.kind === 'ClusterRole') return store.get(objectKey('rbac.authorization.k8s.io', 'clusterroles', undefined, roleRef.name))?.rules ?? [];
  if (roleRef?.kind === 'Role' && namespace) return store.get(objectKey('rbac.authorization.k8s.io', 'roles', namespace, roleRef.name))?.rules ?? [];
  return [];
}

function rbacAllows(user: User, attributes: RequestAttributes, store: Store): boolean {
  for (const binding of store.list('rbac.authorization.k8s.io/clusterrolebindings/')) {
    if (subjectMatches(user, binding.subjects) && rulesOf(store, binding.roleRef).some((rule) => ruleAllows(rule, attributes))) return true;
  }
  const namespace = attributes.resource?.namespace;
  if (!namespace) return false;
  for (const binding of store.list(`rbac.authorization.k8s.io/rolebindings/${namespace}/`)) {
    if (subjectMatches(user, binding.subjects, namespace) && rulesOf(store, binding.roleRef, namespace).some((rule) => ruleAllows(rule, attributes))) return true;
  }
  return false;
}
