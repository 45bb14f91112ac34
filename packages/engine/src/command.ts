import { MASK, Secret } from './secret.js';

/**
 * A remote command built by the `sh` tagged template: `text` is what the host runs, `display` is
 * what output paths may show (secrets masked). Values are always quoted; only `sh.raw()` fragments
 * (trusted literals written by module authors) are pasted as they are.
 */
export interface ShellCommand {
  readonly text: string;
  readonly display: string;
}

class RawFragment {
  constructor(readonly text: string) {}
}

export type ShellValue =
  | string
  | number
  | bigint
  | boolean
  | Secret
  | RawFragment
  | ShellCommand
  | readonly ShellValue[];

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** POSIX single-quote quoting: the value comes out as exactly one literal word. */
export function quote(value: string): string {
  if (value === '') return "''";
  // A leading dash is left as it is: quoting cannot stop a program reading it as an option; callers
  // put `--` before operands that may start with one.
  // NAME=value unquoted is an assignment when it is a command's first word: `PATH=/tmp/x ls`
  // would run ls with PATH changed. Quoted, it is a word like any other.
  if (SAFE.test(value) && !ASSIGNMENT.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function isShellCommand(value: unknown): value is ShellCommand {
  return typeof value === 'object' && value !== null && 'text' in value && 'display' in value && !(value instanceof RawFragment);
}

function render(value: ShellValue): { text: string; display: string } {
  if (value instanceof RawFragment) return { text: value.text, display: value.text };
  if (value instanceof Secret) return { text: quote(value.reveal()), display: MASK };
  if (Array.isArray(value)) {
    const parts = value.map(render);
    return { text: parts.map((p) => p.text).join(' '), display: parts.map((p) => p.display).join(' ') };
  }
  if (isShellCommand(value)) return { text: value.text, display: value.display };
  const s = String(value);
  const q = quote(s);
  return { text: q, display: q };
}

/**
 * Tagged template for remote commands: sh`sysctl -n ${key}` quotes `key`; an array expands to one
 * quoted word per element; a nested sh`` command is embedded as it is.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellCommand {
  let text = strings[0] ?? '';
  let display = strings[0] ?? '';
  values.forEach((value, i) => {
    const r = render(value);
    text += r.text + (strings[i + 1] ?? '');
    display += r.display + (strings[i + 1] ?? '');
  });
  return { text, display };
}

/** A trusted literal fragment, pasted unquoted. Never pass user input. */
sh.raw = (text: string): RawFragment => new RawFragment(text);

/** An argv vector as one command: every element quoted, nothing interpreted by the shell. */
export function argv(...words: ShellValue[]): ShellCommand {
  return sh`${words}`;
}

/** Joins commands with a separator such as ' && ' or '; '. */
export function joinCommands(commands: readonly ShellCommand[], separator: string): ShellCommand {
  return {
    text: commands.map((c) => c.text).join(separator),
    display: commands.map((c) => c.display).join(separator),
  };
}
