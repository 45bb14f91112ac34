// All API objects, one global resourceVersion counter, and the watch event stream. State lives
// in <data-dir>/state.jsonl, an append-only log (one put or delete a line) compacted at start
// and when it grows, so the double keeps its objects across restarts of the service.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type KubeObject = Record<string, any>;

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
  rv: number;
}

const HISTORY_LIMIT = 5000;
/** the log is rewritten once this much has been appended beyond the live objects' size */
const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;

/** `<group>/<resource>/<namespace>/<name>`; the namespace is empty for cluster-scoped kinds. */
export function objectKey(group: string, resource: string, namespace: string | undefined, name: string): string {
  return `${group}/${resource}/${namespace ?? ''}/${name}`;
}

export function listPrefix(group: string, resource: string, namespace?: string): string {
  return namespace ? `${group}/${resource}/${namespace}/` : `${group}/${resource}/`;
}

export class Store {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly logFile: string;
  private bytesSinceCompaction = 0;
  private liveBytes = 0;
  private revision = 0;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.logFile = join(dataDir, 'state.jsonl');
    this.load();
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestWatchable(): number {
    return this.history.length ? this.history[0]!.rv - 1 : this.revision;
  }

  get(key: string): KubeObject | undefined {
    const object = this.objects.get(key);
    return object && structuredClone(object);
  }

  list(prefix: string): KubeObject[] {
    const found: KubeObject[] = [];
    for (const [key, object] of this.objects) if (key.startsWith(prefix)) found.push(structuredClone(object));
    return found.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  keys(prefix: string): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix));
  }

  /** Stores the object under a new resourceVersion (written into it) and tells the watchers. */
  put(key: string, object: KubeObject): KubeObject {
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const rv = ++this.revision;
    object.metadata.resourceVersion = String(rv);
    this.objects.set(key, structuredClone(object));
    this.append({ rv, key, object });
    this.emit({ type, key, object: structuredClone(object), rv });
    return object;
  }

  delete(key: string): KubeObject | undefined {
    const object = this.objects.get(key);
    if (!object) return undefined;
    const rv = ++this.revision;
    this.objects.delete(key);
    object.metadata.resourceVersion = String(rv);
    this.append({ rv, key, deleted: true });
    this.emit({ type: 'DELETED', key, object: structuredClone(object), rv });
    return structuredClone(object);
  }

  /** Events after `rv` still held in memory, or undefined when `rv` is too old (410 Gone). */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestWatchable) return undefined;
    return this.history.filter((event) => event.rv > rv);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error(`watch listener failed: ${(error as Error).message}`);
      }
    }
  }

  private append(entry: { rv: number; key: string; object?: KubeObject; deleted?: boolean }): void {
    const line = `${JSON.stringify(entry)}\n`;
    appendFileSync(this.logFile, line, { mode: 0o600 });
    this.bytesSinceCompaction += line.length;
    if (this.bytesSinceCompaction > COMPACT_AFTER_BYTES + this.liveBytes) this.compact();
  }

  private load(): void {
    if (!existsSync(this.logFile)) return;
    for (const line of readFileSync(this.logFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let entry: { rv: number; key: string; object?: KubeObject; deleted?: boolean };
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // a line torn by a crash mid-write: everything before it is intact
      }
      this.revision = Math.max(this.revision, entry.rv);
      if (entry.deleted) this.objects.delete(entry.key);
      else if (entry.object) this.objects.set(entry.key, entry.object);
    }
    this.compact();
  }

  private compact(): void {
    const lines = [`${JSON.stringify({ rv: this.revision, key: '', deleted: true })}\n`];
    for (const [key, object] of this.objects) lines.push(`${JSON.stringify({ rv: Number(object.metadata.resourceVersion), key, object })}\n`);
    const temporary = `${this.logFile}.tmp`;
    const text = lines.join('');
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, this.logFile);
    this.bytesSinceCompaction = 0;
    this.liveBytes = text.length;
  }
}
