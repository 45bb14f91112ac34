import { MeshbookError } from '../errors.js';

/** One problem found in an inventory: where it is, what is wrong, and how to fix it. */
export interface InventoryIssue {
  /** File as shown to the user, e.g. `inventories/lab/hosts.yaml`. */
  file: string;
  /** Dotted path inside the file, e.g. `all.children.masters.hosts.m1.ansible_port`; empty for the whole file. */
  path: string;
  message: string;
  fix: string;
}

export function formatIssue(issue: InventoryIssue): string {
  const where = issue.path ? `${issue.file}: ${issue.path}` : issue.file;
  return `${where}: ${issue.message}\n    fix: ${issue.fix}`;
}

/**
 * Every issue is collected before failing, so one run shows all of them; the error is raised before
 * any connection is made.
 */
export function inventoryError(source: string, issues: readonly InventoryIssue[]): MeshbookError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => `  - ${formatIssue(issue)}`);
  // Each fix is already in the message under its problem; the hint adds only what is not said there.
  return new MeshbookError('BAD_INPUT', `inventory ${source} is invalid (${count}):\n${lines.join('\n')}`, {
    hint: issues.length > 1 ? 'fix each problem listed above; no host was contacted' : undefined,
  });
}

/** Appends a key to a dotted path, quoting keys that would make the path ambiguous. */
export function joinPath(path: string, key: string): string {
  const segment = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${segment}` : segment;
}

/** A short, safe rendering of a bad value for messages: `"abc"`, `42`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return JSON.stringify(value.toISOString().slice(0, 10));
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** Names closest to `name` (edit distance, then prefix/substring), for "did you mean" hints. */
export function closestNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = name.toLowerCase();
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const distance = editDistance(lower, other);
    const related = other.includes(lower) || lower.includes(other);
    if (distance <= Math.max(2, Math.floor(name.length / 3)) || related) {
      scored.push({ candidate, score: related ? Math.min(distance, 1.5) : distance });
    }
  }
  return scored
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
