// What every verb works with: the store, the kinds, the allocator, and the request as parsed.
import type { User } from './auth.js';
import type { ResourceKind } from './kinds.js';
import type { Registry } from './registry.js';
import type { ServiceAllocator } from './service-allocation.js';
import type { Store } from './store.js';

export interface Context {
  store: Store;
  registry: Registry;
  allocator: ServiceAllocator;
}

export interface ResourceRequest {
  kind: ResourceKind;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  user: User;
  userAgent: string;
  accept: string | undefined;
  contentType: string;
}

export interface Reply {
  status: number;
  body: unknown;
  warnings?: string[];
}
