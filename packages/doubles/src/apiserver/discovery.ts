// Discovery as the clients ask for it: the legacy documents (/api, /apis, /api/v1,
// /apis/<group>/<version>), the aggregated format (apidiscovery.k8s.io/v2 and v2beta1) when the
// Accept header asks for it, and OpenAPI v3 documents carrying what kubectl and helm check before
// sending (the PATCH operations' `fieldValidation` parameter, so validation happens server-side).
import { createHash } from 'node:crypto';
import { ALL_VERBS, apiVersionOf, type ResourceKind } from './kinds.js';
import type { Registry } from './registry.js';

const SUBRESOURCE_VERBS: Record<string, string[]> = { status: ['get', 'patch', 'update'], scale: ['get', 'patch', 'update'], approval: ['get', 'patch', 'update'], finalize: ['update'] };

function verbsOf(kind: ResourceKind): string[] {
  return kind.review ? ['create'] : ALL_VERBS;
}

function subresourceKind(kind: ResourceKind, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  return { group: kind.group, version: kind.version, kind: kind.kind };
}

export function legacyCoreVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function legacyGroupList(registry: Registry) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry.groupVersions().filter((g) => g.group !== '').map((g) => legacyGroup(g.group, g.versions)),
  };
}

export function legacyGroup(group: string, versions: string[]) {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: entries, preferredVersion: entries[0] };
}

export function legacyResourceList(registry: Registry, group: string, version: string) {
  const kinds = registry.all().filter((k) => k.group === group && k.version === version);
  if (!kinds.length) return undefined;
  const resources: unknown[] = [];
  for (const kind of kinds) {
    resources.push({
      name: kind.resource,
      singularName: kind.singular,
      namespaced: kind.namespaced,
      kind: kind.kind,
      verbs: verbsOf(kind),
      ...(kind.shortNames?.length ? { shortNames: kind.shortNames } : {}),
      ...(kind.categories?.length ? { categories: kind.categories } : {}),
      storageVersionHash: storageHash(kind),
    });
    for (const sub of kind.subresources ?? []) {
      const sk = subresourceKind(kind, sub);
      resources.push({ name: `${kind.resource}/${sub}`, singularName: '', namespaced: kind.namespaced, ...(sk.group !== kind.group ? { group: sk.group, version: sk.version } : {}), kind: sk.kind, verbs: SUBRESOURCE_VERBS[sub] ?? ['get'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function storageHash(kind: ResourceKind): string {
  return createHash('sha256').update(`${kind.group}/${kind.version}/${kind.kind}`).digest('base64').slice(0, 11);
}

/** The media type the client wants for discovery: aggregated v2, v2beta1, or the legacy JSON. */
export function aggregatedVersionWanted(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (!params.includes('g=apidiscovery.k8s.io') || !params.includes('as=APIGroupDiscoveryList')) continue;
    if (params.includes('v=v2')) return 'v2';
    if (params.includes('v=v2beta1')) return 'v2beta1';
  }
  return undefined;
}

export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

export function aggregatedDiscovery(registry: Registry, core: boolean, version: 'v2' | 'v2beta1') {
  const items = registry.groupVersions().filter((g) => (g.group === '') === core).map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      resources: registry.all().filter((k) => k.group === g.group && k.version === v).map((kind) => ({
        resource: kind.resource,
        responseKind: { group: kind.group, version: kind.version, kind: kind.kind },
        scope: kind.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: kind.singular,
        verbs: verbsOf(kind),
        ...(kind.shortNames?.length ? { shortNames: kind.shortNames } : {}),
        ...(kind.categories?.length ? { categories: kind.categories } : {}),
        ...(kind.subresources?.length ? {
          subresources: kind.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceKind(kind, sub), verbs: SUBRESOURCE_VERBS[sub] ?? ['get'] })),
        } : {}),
      })),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } }));

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The OpenAPI v3 documents, one per group-version, with the hash the root advertises. */
export function openApiV3Documents(registry: Registry): Map<string, { document: unknown; hash: string }> {
  const documents = new Map<string, { document: unknown; hash: string }>();
  for (const { group, versions } of registry.groupVersions()) {
    for (const version of versions) {
      const paths: Record<string, unknown> = {};
      const schemas: Record<string, unknown> = {};
      for (const kind of registry.all().filter((k) => k.group === group && k.version === version && !k.review)) {
        const gvk = { group: kind.group, version: kind.version, kind: kind.kind };
        const schemaName = `${kind.group || 'core'}.${kind.version}.${kind.kind}`;
        schemas[schemaName] = { ...(kind.schema ?? { type: 'object', description: `${kind.kind} (served by the API server double)` }), 'x-kubernetes-group-version-kind': [gvk] };
        const ref = { $ref: `#/components/schemas/${schemaName}` };
        const content = (types: string[]) => Object.fromEntries(types.map((t) => [t, { schema: ref }]));
        const base = `/${gvPath(group, version)}${kind.namespaced ? '/namespaces/{namespace}' : ''}/${kind.resource}`;
        const op = (action: string) => ({ 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, parameters: QUERY_PARAMETERS, responses: { '200': { content: content(['application/json']) } } });
        const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
        paths[`${base}/{name}`] = {
          get: op('get'),
          put: { ...op('put'), requestBody: { content: content(['*/*']) } },
          patch: { ...op('patch'), requestBody: { content: content(patchTypes) } },
          delete: op('delete'),
        };
        paths[base] = { get: op('list'), post: { ...op('post'), requestBody: { content: content(['*/*']) } } };
      }
      const document = { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.31.9' }, paths, components: { schemas } };
      const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 128);
      documents.set(gvPath(group, version), { document, hash });
    }
  }
  return documents;
}

export function openApiV3Root(documents: Map<string, { hash: string }>) {
  return { paths: Object.fromEntries([...documents].map(([path, { hash }]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` }])) };
}

/**
 * /openapi/v2: kubectl reads it (as protobuf) only to validate what fieldValidation cannot cover
 * server-side, such as a v1 List; a document without definitions tells it to skip that
 * validation, leaving it to the server, which checks each item with fieldValidation.
 */
export function openApiV2(accept: string | undefined): { contentType: string; body: Buffer } {
  if (accept?.includes('application/com.github.proto-openapi.spec.v2')) {
    const string = (field: number, value: string) => Buffer.concat([Buffer.from([(field << 3) | 2, Buffer.byteLength(value)]), Buffer.from(value)]);
    const message = (field: number, body: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
    const document = Buffer.concat([string(1, '2.0'), message(2, Buffer.concat([string(1, 'Kubernetes'), string(2, 'v1.31.9')]))]);
    return { contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', body: document };
  }
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.31.9' }, paths: {}, definitions: {} })) };
}
