import { z } from 'zod';
import { expandBackrefs } from './backrefs.js';

/**
 * Pure line-oriented editing shared by lineinfile, blockinfile and hosts. Text is handled as lines
 * without their '\n'; a file that lacked a final newline gets one only when it is edited.
 */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function joinLines(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** The edited text, or the original text unchanged when the edit changed no line. */
export function applyLineEdit(original: string, edit: (lines: string[]) => string[]): string {
  const before = splitLines(original);
  const after = edit([...before]);
  return joinLines(after) === joinLines(before) ? original : joinLines(after);
}

/** Python-only regex constructs a ported playbook may hold, and their JavaScript form. */
const PYTHON_ONLY: readonly { construct: RegExp; hint: string }[] = [
  { construct: /^\(\?[aiLmsux]+\)/, hint: 'a leading inline flag such as (?i) is Python syntax; JavaScript has none: spell both cases ([Pp]ort) or anchor differently' },
  { construct: /\(\?P</, hint: '(?P<name>...) is Python syntax; JavaScript writes (?<name>...)' },
  { construct: /\(\?P=/, hint: '(?P=name) is Python syntax; JavaScript writes \\k<name>' },
  { construct: /\\[AZ]/, hint: '\\A and \\Z are Python syntax; JavaScript writes ^ and $' },
];

/**
 * A JavaScript regular expression given as a string; checked when params are parsed. Regexps are
 * JavaScript's, not Python's: a Python-only construct gets an error naming the JavaScript form.
 */
export const regexSource = z.string().superRefine((source, ctx) => {
  const python = PYTHON_ONLY.find((p) => p.construct.test(source));
  if (python) {
    ctx.addIssue({ code: 'custom', message: `a JavaScript regular expression: ${python.hint}` });
    return;
  }
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `a valid JavaScript regular expression (${(error as Error).message})` });
  }
});

const withoutCR = (line: string) => line.replace(/\r$/, '');

/** Where new text goes when nothing matches: after a regex match / EOF, or before a match / BOF. */
export interface InsertAt {
  insertAfter?: string | undefined;
  insertBefore?: string | undefined;
  /** Use the first matching line instead of the last (Ansible's firstmatch). */
  firstMatch?: boolean | undefined;
}

/** Index at which to insert; a pattern that matches nothing means end of file (as Ansible). */
export function insertionIndex(lines: readonly string[], at: InsertAt): number {
  if (at.insertBefore === 'BOF') return 0;
  const source = at.insertBefore ?? (at.insertAfter === 'EOF' ? undefined : at.insertAfter);
  if (source === undefined) return lines.length;
  const re = new RegExp(source);
  const matches = lines.flatMap((l, i) => (re.test(withoutCR(l)) ? [i] : []));
  if (matches.length === 0) return lines.length;
  const index = at.firstMatch ? matches[0]! : matches[matches.length - 1]!;
  return at.insertBefore !== undefined ? index : index + 1;
}

export interface LineSpec extends InsertAt {
  line?: string | undefined;
  regexp?: string | undefined;
  /** A literal string a line contains (Ansible's search_string): regexp without the pattern syntax. */
  searchString?: string | undefined;
  /** The line is a template filled from the regexp's match (backrefs.ts); no match: nothing changes. */
  backrefs?: boolean | undefined;
  state: 'present' | 'absent';
}

/**
 * Ansible's lineinfile: present replaces the last line matching `regexp` (or keeps an identical
 * line), else inserts `line`; absent removes every line matching `regexp` (or equal to `line`).
 */
export function editLine(lines: string[], spec: LineSpec): string[] {
  const re = spec.regexp !== undefined ? new RegExp(spec.regexp) : null;
  const search = spec.searchString;
  const found = re ? (l: string) => re.test(withoutCR(l)) : search !== undefined ? (l: string) => withoutCR(l).includes(search) : null;
  const matchesLine = (l: string) => (found ? found(l) : withoutCR(l) === spec.line);
  if (spec.state === 'absent') return lines.filter((l) => !matchesLine(l));
  const line = spec.line ?? '';
  if (found) {
    const matches = lines.flatMap((l, i) => (found(l) ? [i] : []));
    if (matches.length > 0) {
      const index = spec.firstMatch ? matches[0]! : matches[matches.length - 1]!;
      lines[index] = spec.backrefs && re ? expandBackrefs(line, re.exec(withoutCR(lines[index]!))!) : line;
      return lines;
    }
  }
  // As Ansible: without a match there is nothing to fill the references from, so no line is added.
  if (spec.backrefs) return lines;
  if (lines.some((l) => withoutCR(l) === line)) return lines;
  lines.splice(insertionIndex(lines, spec), 0, line);
  return lines;
}

export interface BlockSpec extends InsertAt {
  begin: string;
  end: string;
  /** The block's lines, without markers. */
  body: readonly string[];
  state: 'present' | 'absent';
  /** A blank line after the block, unless it ends the file or a blank line follows already (Ansible's append_newline). */
  appendNewline?: boolean | undefined;
  /** A blank line before the block, unless it starts the file or a blank line precedes already. */
  prependNewline?: boolean | undefined;
}

/**
 * Finds the marker pair; a BEGIN without its END (or the reverse) is an error, not a new block, and
 * so are several BEGIN markers: which copy is the real one is the user's call, not a guess.
 */
export function findBlock(lines: readonly string[], begin: string, end: string): { start: number; stop: number } | null {
  const begins = lines.filter((l) => withoutCR(l).trimEnd() === begin).length;
  if (begins > 1) throw new Error(`found "${begin}" ${begins} times`);
  const start = lines.findIndex((l) => withoutCR(l).trimEnd() === begin);
  const stop = start < 0 ? -1 : lines.findIndex((l, i) => i > start && withoutCR(l).trimEnd() === end);
  if (start < 0 && lines.some((l) => withoutCR(l).trimEnd() === end)) throw new Error(`found "${end}" without "${begin}"`);
  if (start >= 0 && stop < 0) throw new Error(`found "${begin}" without "${end}"`);
  return start < 0 ? null : { start, stop };
}

/** blockinfile: the marked block replaced in place, inserted when absent, or removed. */
export function editBlock(lines: string[], spec: BlockSpec): string[] {
  const found = findBlock(lines, spec.begin, spec.end);
  const block = [spec.begin, ...spec.body, spec.end];
  if (spec.state === 'absent') {
    if (found) lines.splice(found.start, found.stop - found.start + 1);
    return lines;
  }
  // Where the block goes once any old copy is taken out: the blank lines are judged around it.
  let at = found ? found.start : insertionIndex(lines, spec);
  if (found) lines.splice(found.start, found.stop - found.start + 1);
  const blank = (l: string | undefined) => l !== undefined && withoutCR(l) === '';
  if (spec.prependNewline && at > 0 && !blank(lines[at - 1])) lines.splice(at++, 0, '');
  lines.splice(at, 0, ...block);
  const after = at + block.length;
  if (spec.appendNewline && after < lines.length && !blank(lines[after])) lines.splice(after, 0, '');
  return lines;
}
