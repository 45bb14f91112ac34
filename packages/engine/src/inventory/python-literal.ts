/**
 * Python's `ast.literal_eval` for the values of an INI inventory, as Ansible reads them: `3` is an
 * int, `1.5` a float, `True`/`None` a boolean/null, `[1, 2]` a list, `'x'` a string; anything else
 * (`yes`, `true`, `010`, a path) stays the text as written.
 */
export function parsePythonLiteral(text: string): unknown {
  const parser = new LiteralParser(text);
  try {
    const value = parser.value();
    parser.end();
    return value;
  } catch (error) {
    if (error instanceof NotALiteral) return text;
    throw error;
  }
}

class NotALiteral extends Error {}

const NUMBER = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?\.?)/;
const NAMES: Record<string, unknown> = { True: true, False: false, None: null };

class LiteralParser {
  private at = 0;
  constructor(private readonly text: string) {}

  end(): void {
    this.skipSpace();
    if (this.at < this.text.length) throw new NotALiteral();
  }

  value(): unknown {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === '[') return this.sequence(']');
    if (char === '(') return this.sequence(')');
    if (char === '{') return this.mapping();
    if (char === '"' || char === "'") return this.string();
    const name = /^[A-Za-z_]\w*/.exec(this.text.slice(this.at))?.[0];
    if (name !== undefined) {
      if (!(name in NAMES)) throw new NotALiteral();
      this.at += name.length;
      return NAMES[name];
    }
    return this.number();
  }

  private number(): number {
    const match = NUMBER.exec(this.text.slice(this.at))?.[0];
    if (!match || match === '+' || match === '-') throw new NotALiteral();
    this.at += match.length;
    const sign = match.startsWith('-') ? -1 : 1;
    const body = match.replace(/^[+-]/, '').replace(/_/g, '');
    if (/^0[xX]/.test(body)) return sign * Number.parseInt(body.slice(2), 16);
    if (/^0[oO]/.test(body)) return sign * Number.parseInt(body.slice(2), 8);
    if (/^0[bB]/.test(body)) return sign * Number.parseInt(body.slice(2), 2);
    // Python 3 refuses a decimal integer with a leading zero (010), except zeros alone.
    if (/^0\d+$/.test(body) && !/^0+$/.test(body)) throw new NotALiteral();
    const value = sign * Number(body);
    if (Number.isNaN(value)) throw new NotALiteral();
    return value;
  }

  private string(): string {
    const quote = this.text[this.at] ?? '';
    this.at += 1;
    let out = '';
    while (this.at < this.text.length) {
      const char = this.text[this.at] ?? '';
      this.at += 1;
      if (char === quote) return out;
      if (char === '\\') {
        const next = this.text[this.at] ?? '';
        this.at += 1;
        out += ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' } as Record<string, string>)[next] ?? `\\${next}`;
      } else {
        out += char;
      }
    }
    throw new NotALiteral();
  }

  private sequence(close: string): unknown[] {
    this.at += 1;
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === close) {
        this.at += 1;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.at] === ',') this.at += 1;
      else if (this.text[this.at] !== close) throw new NotALiteral();
    }
  }

  private mapping(): Record<string, unknown> {
    this.at += 1;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === '}') {
        this.at += 1;
        return out;
      }
      const key = this.value();
      this.skipSpace();
      if (this.text[this.at] !== ':') throw new NotALiteral();
      this.at += 1;
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.text[this.at] === ',') this.at += 1;
      else if (this.text[this.at] !== '}') throw new NotALiteral();
    }
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at] ?? '')) this.at += 1;
    // A trailing comment is part of Python's grammar: `10  # seconds` is 10.
    if (this.text[this.at] === '#') this.at = this.text.length;
  }
}
