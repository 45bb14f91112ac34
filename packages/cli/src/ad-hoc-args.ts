import { MeshbookError } from '@meshbook/engine';

/**
 * `-a 'key=value ...'` as Ansible's ad-hoc mode reads it: words split as a shell would (quotes
 * keep spaces), each `key=value`. A value that is JSON (3, true, ["a"], {"k": 1}) is that value;
 * anything else is the text. Returns undefined for free-form text without any `=` (`-a uptime`).
 */
export function parseModuleArgs(text: string): Record<string, unknown> | undefined {
  const words = splitWords(text);
  if (!words.some((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word))) return undefined;
  const params: Record<string, unknown> = {};
  for (const word of words) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(word);
    if (!match) {
      throw new MeshbookError('BAD_INPUT', `-a: expected key=value, got ${JSON.stringify(word)}`, {
        hint: "quote values with spaces: -a 'path=/etc/motd content=\"hello world\"'",
      });
    }
    params[match[1] ?? ''] = jsonOrText(match[2] ?? '');
  }
  return params;
}

function jsonOrText(text: string): unknown {
  if (!/^(?:-?\d|true$|false$|null$|\[|\{)/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Shell-style words: whitespace separates, '...' and "..." keep it, backslash escapes a character. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at] ?? '';
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && ['"', '\\'].includes(text[at + 1] ?? '')) word += text[++at];
      else word += char;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      word += text[++at] ?? '';
      inWord = true;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new MeshbookError('BAD_INPUT', `-a: unclosed ${quote} in ${JSON.stringify(text)}`, { hint: 'close the quote' });
  if (inWord) words.push(word);
  return words;
}
