// The review APIs kubectl uses to ask about itself: `kubectl auth whoami` (SelfSubjectReview) and
// `kubectl auth can-i` (SelfSubjectAccessReview). Created, answered, never stored.
import { type User, authorize } from './auth.js';
import type { Reply } from './rest.js';
import { badRequest } from './status.js';
import type { Store } from './store.js';

export function review(resource: string, body: any, user: User, store: Store): Reply {
  if (resource === 'selfsubjectreviews') {
    return { status: 201, body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: { username: user.name, groups: user.groups } } } };
  }
  const spec = body?.spec ?? {};
  const attributes = spec.resourceAttributes
    ? { verb: spec.resourceAttributes.verb, resource: { group: spec.resourceAttributes.group ?? '', resource: spec.resourceAttributes.resource, subresource: spec.resourceAttributes.subresource || undefined, namespace: spec.resourceAttributes.namespace || undefined, name: spec.resourceAttributes.name || undefined } }
    : spec.nonResourceAttributes ? { verb: spec.nonResourceAttributes.verb, path: spec.nonResourceAttributes.path } : undefined;
  if (!attributes) throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
  const allowed = authorize(user, attributes, store);
  return { status: 201, body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { allowed, ...(allowed ? {} : { reason: '' }) } } };
}
