// The servable kinds right now: the built-in ones plus those of established CRDs. Rebuilt whenever
// a CRD changes, so a created CRD's kind is servable and discoverable at once.
import { BUILTIN_KINDS, crdKinds, type ResourceKind } from './kinds.js';
import type { Store } from './store.js';

export class Registry {
  private kinds: ResourceKind[] = [...BUILTIN_KINDS];

  constructor(private readonly store: Store) {
    this.refresh();
    store.subscribe((event) => {
      if (event.key.startsWith('apiextensions.k8s.io/customresourcedefinitions/')) this.refresh();
    });
  }

  refresh(): void {
    const custom = this.store.list('apiextensions.k8s.io/customresourcedefinitions/').flatMap(crdKinds);
    this.kinds = [...BUILTIN_KINDS, ...custom];
  }

  all(): ResourceKind[] {
    return this.kinds;
  }

  find(group: string, version: string, resource: string): ResourceKind | undefined {
    return this.kinds.find((k) => k.group === group && k.version === version && k.resource === resource);
  }

  /** Any served version of a group/resource (the store keeps one copy for all versions). */
  anyVersion(group: string, resource: string): ResourceKind | undefined {
    return this.kinds.find((k) => k.group === group && k.resource === resource);
  }

  groupVersions(): Array<{ group: string; versions: string[] }> {
    const groups = new Map<string, string[]>();
    for (const k of this.kinds) {
      const versions = groups.get(k.group) ?? [];
      if (!versions.includes(k.version)) versions.push(k.version);
      groups.set(k.group, versions);
    }
    return [...groups].map(([group, versions]) => ({ group, versions: sortVersions(versions) }));
  }
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string) => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return [0, 0, 0];
    const stability = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [sa, ma, na] = rank(a) as [number, number, number];
    const [sb, mb, nb] = rank(b) as [number, number, number];
    return sb - sa || mb - ma || nb - na || a.localeCompare(b);
  });
}
