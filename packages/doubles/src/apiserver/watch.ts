// WATCH: a chunked stream of `{"type":..., "object":...}` lines, from a resourceVersion (replayed
// from the store's history; 410 Expired when too old) or from now with the current objects as
// ADDED. Objects that start or stop matching the selectors arrive as ADDED or DELETED, as from the
// real watch cache. Bookmarks are sent when asked for, and close the initial events of a watch-list.
import type { ServerResponse } from 'node:http';
import { apiVersionOf } from './kinds.js';
import type { Context, ResourceRequest } from './rest.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, gone } from './status.js';
import { type KubeObject, type StoreEvent, listPrefix } from './store.js';
import { partialMetadata, toTable, wantsMetadataOnly, wantsTable, withTypeMeta } from './tables.js';

const BOOKMARK_EVERY_MS = 30_000;
const MAX_TIMEOUT_SECONDS = 1800;

export function watch(ctx: Context, r: ResourceRequest, response: ServerResponse): void {
  let labels: (o: KubeObject) => boolean;
  let fields: (o: KubeObject) => boolean;
  try {
    labels = parseLabelSelector(r.query.get('labelSelector'));
    fields = parseFieldSelector(r.query.get('fieldSelector'));
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  const nameFilter = r.name;
  const prefix = listPrefix(r.kind.group, r.kind.resource, r.kind.namespaced ? r.namespace : undefined);
  const matches = (o: KubeObject) => labels(o) && fields(o) && (!nameFilter || o.metadata.name === nameFilter);
  const rvParam = r.query.get('resourceVersion');
  // watch-list (sendInitialEvents=true): the current objects first, whatever the resourceVersion
  const initialEvents = r.query.get('sendInitialEvents') === 'true';
  const fromNow = !rvParam || rvParam === '0' || initialEvents;
  let replay: StoreEvent[] = [];
  if (!fromNow) {
    const rv = Number(rvParam);
    if (!Number.isInteger(rv)) throw badRequest(`invalid resource version: ${rvParam}`);
    const events = ctx.store.eventsSince(rv);
    if (!events) {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      response.end(`${JSON.stringify({ type: 'ERROR', object: gone(`too old resource version: ${rv} (${ctx.store.oldestWatchable})`).toStatus() })}\n`);
      return;
    }
    replay = events;
  }

  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  response.flushHeaders();
  // `kubectl get --watch` asks for Tables: each event then carries a one-row Table
  const asTable = wantsTable(r.accept);
  const metadataOnly = wantsMetadataOnly(r.accept);
  const send = (type: string, object: KubeObject) => {
    const body = type === 'BOOKMARK' ? object
      : asTable ? toTable(r.kind, [object], object.metadata.resourceVersion ?? '', r.query.get('includeObject'))
      : metadataOnly ? partialMetadata(object) : object;
    response.write(`${JSON.stringify({ type, object: body })}\n`);
  };
  const visible = new Set<string>();
  const deliver = (event: StoreEvent) => {
    if (!event.key.startsWith(prefix)) return;
    const object = withTypeMeta(r.kind, event.object);
    const now = event.type !== 'DELETED' && matches(object);
    const was = visible.has(event.key);
    if (event.type === 'DELETED') {
      if (was || matches(object)) send('DELETED', object);
      visible.delete(event.key);
    } else if (now) {
      send(was ? 'MODIFIED' : 'ADDED', object);
      visible.add(event.key);
    } else if (was) {
      send('DELETED', object);
      visible.delete(event.key);
    }
  };

  if (fromNow) {
    for (const key of ctx.store.keys(prefix)) {
      const object = ctx.store.get(key)!;
      const typed = withTypeMeta(r.kind, object);
      if (matches(typed)) {
        send('ADDED', typed);
        visible.add(key);
      }
    }
  } else {
    // objects that match at the starting version count as already seen by the client
    for (const key of ctx.store.keys(prefix)) {
      const object = ctx.store.get(key)!;
      if (Number(object.metadata.resourceVersion) <= Number(rvParam) && matches(withTypeMeta(r.kind, object))) visible.add(key);
    }
    const firstSeen = new Set<string>();
    for (const event of replay) {
      if (!firstSeen.has(event.key) && event.type !== 'ADDED' && event.key.startsWith(prefix)) visible.add(event.key);
      firstSeen.add(event.key);
    }
    for (const event of replay) deliver(event);
  }
  const unsubscribe = ctx.store.subscribe(deliver);
  const wantsBookmarks = r.query.get('allowWatchBookmarks') === 'true';
  if (initialEvents && wantsBookmarks) {
    send('BOOKMARK', { kind: r.kind.kind, apiVersion: apiVersionOf(r.kind), metadata: { resourceVersion: String(ctx.store.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } } });
  }
  const bookmarks = wantsBookmarks
    ? setInterval(() => send('BOOKMARK', { kind: r.kind.kind, apiVersion: apiVersionOf(r.kind), metadata: { resourceVersion: String(ctx.store.resourceVersion) } }), BOOKMARK_EVERY_MS)
    : undefined;
  const timeoutSeconds = Math.min(Number(r.query.get('timeoutSeconds') ?? MAX_TIMEOUT_SECONDS) || MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
  const timer = setTimeout(() => response.end(), timeoutSeconds * 1000);
  const stop = () => {
    unsubscribe();
    clearTimeout(timer);
    if (bookmarks) clearInterval(bookmarks);
  };
  response.on('close', stop);
  response.on('finish', stop);
}
