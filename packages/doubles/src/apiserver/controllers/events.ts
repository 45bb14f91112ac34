// Events the controllers record, as kubectl describe and kubectl get events show them, and their
// expiry after an hour (the API server's --event-ttl).
import { randomBytes } from 'node:crypto';
import { ensure } from '../internal-client.js';
import type { Context } from '../rest.js';
import type { KubeObject } from '../store.js';
import type { Controller } from './run.js';

const EVENT_TTL_MS = 60 * 60 * 1000;

export function recordEvent(ctx: Context, involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const namespace = involved.metadata.namespace ?? 'default';
  ensure(ctx, '', 'events', namespace, {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
    involvedObject: {
      apiVersion: involved.apiVersion, kind: involved.kind, name: involved.metadata.name, uid: involved.metadata.uid,
      resourceVersion: involved.metadata.resourceVersion, ...(involved.metadata.namespace ? { namespace } : {}),
    },
    reason, message, type, count: 1,
    source: { component }, firstTimestamp: now, lastTimestamp: now,
    reportingComponent: component, reportingInstance: '',
  });
}

export const eventExpiry: Controller = {
  name: 'event-ttl',
  watches: [],
  reconcile(ctx: Context) {
    const cutoff = Date.now() - EVENT_TTL_MS;
    for (const key of ctx.store.keys('/events/')) {
      const event = ctx.store.get(key);
      if (event && Date.parse(event.lastTimestamp ?? event.metadata.creationTimestamp) < cutoff) ctx.store.delete(key);
    }
  },
};
