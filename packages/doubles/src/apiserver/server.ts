// The HTTPS front: TLS with client certificates, authentication and authorization, the
// non-resource endpoints (/version, health, discovery, OpenAPI) and routing of resource paths to
// the verbs in rest.ts and watch.ts.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, authorize } from './auth.js';
import { review } from './authn-reviews.js';
import {
  aggregatedContentType, aggregatedDiscovery, aggregatedVersionWanted, legacyCoreVersions, legacyGroup, legacyGroupList,
  legacyResourceList, openApiV2, openApiV3Documents, openApiV3Root,
} from './discovery.js';
import { type Context, type Reply, type ResourceRequest, create, get, list, patch, remove, removeCollection, update } from './rest.js';
import { decodeProtobuf, isProtobuf } from './protobuf.js';
import { ApiError, forbidden, methodNotAllowed } from './status.js';
import { watch } from './watch.js';

export const KUBERNETES_VERSION = 'v1.31.9';
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ServerOptions {
  cert: string;
  key: string;
  clientCa: string;
  /** host:port the clients are told to use (discovery's serverAddressByClientCIDRs) */
  advertisedAddress: string;
  verbosity: number;
  /** accept bootstrap tokens (--enable-bootstrap-token-auth) */
  bootstrapTokens: boolean;
}

const NOT_FOUND = new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

export function startServer(ctx: Context, options: ServerOptions): Server {
  const server = createServer({ cert: options.cert, key: options.key, ca: options.clientCa, requestCert: true, rejectUnauthorized: false }, (request, response) => {
    handle(ctx, options, request, response).catch((error) => {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`);
      if (!(error instanceof ApiError)) console.error(`${request.method} ${request.url}: ${(error as Error).stack}`);
      if (!response.headersSent) sendJson(response, apiError.code, apiError.toStatus());
      else response.end();
    });
  });
  // longer than the Go clients' idle connection timeout (90s), so a reused connection is never closed under them
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  return server;
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/json', warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Content-Length': String(Buffer.byteLength(text)) };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  response.writeHead(status, headers);
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as a JSON value: JSON as sent, or decoded from protobuf; undefined when empty. */
async function readObject(request: IncomingMessage, contentType: string): Promise<unknown> {
  const body = await readBody(request);
  if (!body.length) return undefined;
  if (isProtobuf(contentType)) return decodeProtobuf(body);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, 'BadRequest', `the request body is not JSON (the double reads JSON, and protobuf for the kinds typed clients send): ${(error as Error).message}`);
  }
}

async function requiredObject(request: IncomingMessage, contentType: string): Promise<unknown> {
  const body = await readObject(request, contentType);
  if (body === undefined) throw new ApiError(400, 'BadRequest', 'the request body is empty: send the object');
  return body;
}

async function handle(ctx: Context, options: ServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'https://double');
  const user = authenticate(request, ctx.store, options.bootstrapTokens);
  if (options.verbosity >= 2) {
    response.on('finish', () => console.log(`${request.method} ${url.pathname}${url.search} ${response.statusCode} user=${user.name}`));
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  const isResourcePath = (segments[0] === 'api' && segments.length > 2) || (segments[0] === 'apis' && segments.length > 3);
  if (!isResourcePath) {
    if (!authorize(user, { verb: request.method === 'GET' ? 'get' : request.method!.toLowerCase(), path }, ctx.store)) {
      throw new ApiError(403, 'Forbidden', `forbidden: User "${user.name}" cannot get path "${path}"`, {});
    }
    return nonResource(ctx, options, request, response, path, segments, url);
  }
  const [group, version, rest] = segments[0] === 'api' ? ['', segments[1]!, segments.slice(2)] : [segments[1]!, segments[2]!, segments.slice(3)];
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest.shift();
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && ctx.registry.find(group, version, rest[2]!)?.namespaced) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const kind = ctx.registry.find(group, version, rest[0]!);
  if (!kind || rest.length > 3) throw NOT_FOUND;
  const [, name, subresource] = rest;
  if (subresource && !(kind.subresources ?? []).includes(subresource)) throw NOT_FOUND;
  if (kind.namespaced && !namespace && name) throw NOT_FOUND;
  if (kind.review) {
    if (request.method !== 'POST' || name) throw methodNotAllowed();
    if (!user.groups.includes('system:authenticated')) throw forbidden(user.name, 'create', { group, resource: kind.resource }, undefined);
    const reply = review(kind.resource, await readObject(request, String(request.headers['content-type'] ?? '').split(';')[0]!.trim()), user, ctx.store);
    return sendJson(response, reply.status, reply.body);
  }
  const isWatch = watchPath || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const verb = verbOf(request.method ?? 'GET', !!name, isWatch);
  const resourceAttributes = { group, resource: kind.resource, subresource, namespace, name };
  if (!authorize(user, { verb, resource: resourceAttributes }, ctx.store)) {
    throw forbidden(user.name, verb, { group, resource: subresource ? `${kind.resource}/${subresource}` : kind.resource, name }, namespace);
  }
  const r: ResourceRequest = {
    kind, namespace, name, subresource, query: url.searchParams, user,
    userAgent: String(request.headers['user-agent'] ?? ''),
    accept: request.headers.accept,
    contentType: String(request.headers['content-type'] ?? '').split(';')[0]!.trim(),
  };
  const reply = await dispatch(ctx, r, verb, request, response);
  if (reply) sendJson(response, reply.status, reply.body, 'application/json', reply.warnings);
}

function verbOf(method: string, named: boolean, isWatch: boolean): string {
  switch (method) {
    case 'GET': return isWatch ? 'watch' : named ? 'get' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return named ? 'delete' : 'deletecollection';
    default: throw methodNotAllowed();
  }
}

async function dispatch(ctx: Context, r: ResourceRequest, verb: string, request: IncomingMessage, response: ServerResponse): Promise<Reply | undefined> {
  switch (verb) {
    case 'watch':
      watch(ctx, r, response);
      return undefined;
    case 'get': return get(ctx, r);
    case 'list': return list(ctx, r);
    case 'create': return create(ctx, r, await requiredObject(request, r.contentType));
    case 'update': return update(ctx, r, await requiredObject(request, r.contentType));
    case 'patch': return patch(ctx, r, (await readBody(request)).toString('utf8'));
    case 'delete': return remove(ctx, r, await readObject(request, r.contentType));
    case 'deletecollection': return removeCollection(ctx, r);
    default: throw methodNotAllowed();
  }
}

function nonResource(ctx: Context, options: ServerOptions, request: IncomingMessage, response: ServerResponse, path: string, segments: string[], url: URL): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed();
  if (path === '/version') {
    return sendJson(response, 200, {
      major: '1', minor: '31', gitVersion: KUBERNETES_VERSION, gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
      buildDate: '2025-05-15T00:00:00Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64',
    });
  }
  if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) {
    if (url.searchParams.has('verbose')) {
      const name = path.slice(1).split('/')[0];
      return sendText(response, 200, `[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]poststarthook/start-apiextensions-controllers ok\n${name} check passed\n`);
    }
    return sendText(response, 200, 'ok');
  }
  const aggregated = aggregatedVersionWanted(request.headers.accept);
  if (path === '/api') {
    if (aggregated) return sendJson(response, 200, aggregatedDiscovery(ctx.registry, true, aggregated), aggregatedContentType(aggregated));
    return sendJson(response, 200, legacyCoreVersions(options.advertisedAddress));
  }
  if (path === '/apis') {
    if (aggregated) return sendJson(response, 200, aggregatedDiscovery(ctx.registry, false, aggregated), aggregatedContentType(aggregated));
    return sendJson(response, 200, legacyGroupList(ctx.registry));
  }
  if (segments[0] === 'api' && segments.length === 2) {
    const resources = legacyResourceList(ctx.registry, '', segments[1]!);
    if (resources) return sendJson(response, 200, resources);
  }
  if (segments[0] === 'apis' && segments.length === 2) {
    const group = ctx.registry.groupVersions().find((g) => g.group === segments[1]);
    if (group) return sendJson(response, 200, legacyGroup(group.group, group.versions));
  }
  if (segments[0] === 'apis' && segments.length === 3) {
    const resources = legacyResourceList(ctx.registry, segments[1]!, segments[2]!);
    if (resources) return sendJson(response, 200, resources);
  }
  if (path === '/openapi/v2') {
    const document = openApiV2(request.headers.accept);
    response.writeHead(200, { 'Content-Type': document.contentType, 'Content-Length': String(document.body.length) });
    return void response.end(document.body);
  }
  if (path === '/openapi/v3') return sendJson(response, 200, openApiV3Root(openApiV3Documents(ctx.registry)));
  if (path.startsWith('/openapi/v3/')) {
    const document = openApiV3Documents(ctx.registry).get(path.slice('/openapi/v3/'.length));
    if (document) return sendJson(response, 200, document.document);
  }
  throw NOT_FOUND;
}
