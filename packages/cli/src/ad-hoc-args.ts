import { MeshbookError } from '@meshbook/engine';

interface ParamsSchema {
  safeParse(value: unknown): { success: boolean; error?: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }> } };
}

/**
 * `-a 'key=value ...'` as Ansible's ad-hoc mode reads it: words split as a shell would (quotes
 * keep spaces), each `key=value`. A value that is JSON (3, true, ["a"], {"k": 1}) is that value;
 * anything else is the text. Returns undefined for free-form text without any `=` (`-a uptime`).
 *
 * With the module's schema, values are converted to each parameter's declared type, as Ansible
 * does: a JSON reading (`job=true`) the schema refuses for its field is given as the text it was
 * written as; whatever is still wrong is reported by the module's own validation, naming the field.
 */
export function parseModuleArgs(text: string, schema?: ParamsSchema): Record<string, unknown> | undefined {
  const pairs = argPairs(text);
  if (!pairs) return undefined;
  const params: Record<string, unknown> = Object.fromEntries(pairs.map(([key, value]) => [key, jsonOrText(value)]));
  const checked = schema?.safeParse(params);
  if (!checked || checked.success) return params;
  const refused = new Set(checked.error?.issues.map((issue) => issue.path[0]) ?? []);
  for (const [key, value] of pairs) if (refused.has(key) && typeof params[key] !== 'string') params[key] = value;
  return params;
}

function argPairs(text: string): Array<[string, string]> | undefined {
  const words = splitWords(text);
  if (!words.some((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word))) return undefined;
  return words.map((word) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(word);
    if (!match) {
      throw new MeshbookError('BAD_INPUT', `-a: expected key=value, got ${JSON.stringify(word)}`, {
        hint: "quote values with spaces: -a 'path=/etc/motd content=\"hello world\"'",
      });
    }
    return [match[1] ?? '', match[2] ?? ''];
  });
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
