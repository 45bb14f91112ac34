import { createTwoFilesPatch } from 'diff';
import { MASK, redact } from '../secret.js';
import type { Change } from './change.js';

/** Renders one change for `--diff`: file contents as a unified diff, other values as -/+ lines. */
export function renderChangeDiff(change: Change): string {
  if (change.content) {
    const { path, before, after } = change.content;
    if (change.sensitive) return `--- ${path}\n+++ ${path}\n@@ content hidden: sensitive @@\n-${MASK}\n+${MASK}\n`;
    // Scrubbed before diffing: once lines carry their +/- prefix, a multi-line secret (a PEM key)
    // no longer appears as one piece of text.
    const patch = createTwoFilesPatch(
      before === null ? '/dev/null' : path,
      path,
      redact(before ?? ''),
      redact(after),
      undefined,
      undefined,
      { context: 3 },
    );
    // Drop the "Index:/====" header the library adds; keep ---/+++ and the hunks.
    return redact(patch.split('\n').filter((l, i) => !(i < 2 && (l.startsWith('Index:') || l.startsWith('====')))).join('\n'));
  }
  const lines = [`# ${change.target}: ${change.summary}`];
  if (change.before !== undefined) lines.push(`- ${change.sensitive ? MASK : change.before ?? '(absent)'}`);
  if (change.after !== undefined) lines.push(`+ ${change.sensitive ? MASK : change.after ?? '(absent)'}`);
  return redact(lines.join('\n') + '\n');
}

export function renderDiff(changes: readonly Change[]): string {
  return changes.map(renderChangeDiff).join('');
}
