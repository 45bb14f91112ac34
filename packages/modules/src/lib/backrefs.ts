/**
 * lineinfile's `backrefs`: the line is a template filled from the regexp's match, in the syntax
 * Ansible's (Python's `match.expand`) takes, so a ported line means the same: `\1`..`\99`,
 * `\g<1>`, `\g<name>`, `\\` for a backslash, `\t` and the other one-letter escapes Python knows.
 * `$1` is not a reference (as in Ansible): it stays literal, so lines of shell scripts survive.
 */

type Piece = { text: string } | { group: number | string };

/** Python's one-letter template escapes, except \n: a line cannot hold a newline. */
const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', r: '\r', t: '\t', v: '\v' };

/** The template as text and group references; throws an Error saying what is wrong and how to write it. */
export function parseBackrefTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\') {
      text += c;
      continue;
    }
    const next = template[i + 1];
    if (next === undefined) throw new Error('a lone backslash at the end: write \\\\ for a literal backslash');
    const push = (piece: Piece) => {
      if (text) pieces.push({ text });
      text = '';
      pieces.push(piece);
    };
    if (next === 'g') {
      const ref = /^<([^>]*)>/.exec(template.slice(i + 2));
      if (!ref) throw new Error('\\g must be followed by <number> or <name>, such as \\g<1>');
      const name = ref[1]!;
      if (!/^(\d+|[A-Za-z_]\w*)$/.test(name)) throw new Error(`\\g<${name}> is neither a group number nor a group name`);
      push({ group: /^\d+$/.test(name) ? Number(name) : name });
      i += 2 + ref[0].length - 1;
    } else if (/[1-9]/.test(next)) {
      // Two digits at most, as Python reads them (\12 is group 12); three octal digits would be a character.
      const digits = /^[1-9]\d?/.exec(template.slice(i + 1))![0];
      if (/^[0-7]{3}/.test(template.slice(i + 1))) throw new Error(`\\${template.slice(i + 1, i + 4)} is an octal character escape: write the character itself, or \\g<${digits}> for the group`);
      push({ group: Number(digits) });
      i += digits.length;
    } else if (next === '0') {
      throw new Error('\\0 is an octal character escape, not a group: groups start at \\1 (\\g<0> is the whole match)');
    } else if (next === '\\') {
      text += '\\';
      i++;
    } else if (next === 'n') {
      throw new Error('\\n would split the line in two: lineinfile writes one line');
    } else if (ESCAPES[next] !== undefined) {
      text += ESCAPES[next];
      i++;
    } else if (/[A-Za-z]/.test(next)) {
      throw new Error(`\\${next} is not an escape Ansible's backrefs know: write \\\\${next} for a backslash and "${next}"`);
    } else {
      // A backslash before punctuation stays, as in Python's templates.
      text += `\\${next}`;
      i++;
    }
  }
  if (text) pieces.push({ text });
  return pieces;
}

/** The groups a regexp source defines: their count and names. */
function groupsOf(regexp: string): { count: number; names: string[] } {
  const empty = new RegExp(`${regexp}|`).exec('')!;
  return { count: empty.length - 1, names: Object.keys(empty.groups ?? {}) };
}

/** Why the template cannot be filled from this regexp (a group it does not have), or null. */
export function backrefProblem(template: string, regexp: string): string | null {
  let pieces: Piece[];
  try {
    pieces = parseBackrefTemplate(template);
  } catch (error) {
    return (error as Error).message;
  }
  const { count, names } = groupsOf(regexp);
  for (const piece of pieces) {
    if (!('group' in piece)) continue;
    if (typeof piece.group === 'number' && piece.group > count) return `line refers to group ${piece.group}, but regexp has ${count} group${count === 1 ? '' : 's'}`;
    if (typeof piece.group === 'string' && !names.includes(piece.group)) {
      return `line refers to group "${piece.group}", but regexp names ${names.length ? names.join(', ') : 'no group'} (JavaScript names a group with (?<name>...))`;
    }
  }
  return null;
}

/** The line with each reference replaced by what its group matched (a group that took no part: empty). */
export function expandBackrefs(template: string, match: RegExpExecArray): string {
  return parseBackrefTemplate(template)
    .map((piece) => ('text' in piece ? piece.text : ((typeof piece.group === 'number' ? match[piece.group] : match.groups?.[piece.group]) ?? '')))
    .join('');
}
