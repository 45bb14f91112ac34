import { MeshbookError, Secret, defineFact, sh } from '@meshbook/engine';
import { normalizeMode, sha256 } from './file-facts.js';

/** The text of a file state's content, Secret or not. */
export function contentText(state: SecretFileState): string | null {
  return state.content instanceof Secret ? state.content.reveal() : state.content;
}

/**
 * A file read whole, its content held as a Secret (a kubeconfig with client keys, a CA key): the
 * content crosses the wire once, base64-framed, and is never cached as plain text or printed.
 */
export interface SecretFileState {
  path: string;
  exists: boolean;
  /** 'file', 'directory' or 'other' (after following symlinks). */
  type: 'file' | 'directory' | 'other' | null;
  mode: string | null;
  owner: string | null;
  group: string | null;
  size: number | null;
  /** Hex sha256 of the bytes (safe to show: it does not reveal the content). */
  sha256: string | null;
  /** The content as UTF-8 text (a Secret when read as secret); null when absent or larger than the limit. */
  content: Secret | string | null;
  /** The file is larger than the limit asked for: content not read. */
  tooLarge: boolean;
}

export interface SecretFileArgs {
  path: string;
  maxBytes: number;
  /** Hold the content as a Secret (default): a plain file's text would otherwise be scrubbed from all output. */
  secret?: boolean;
}

const SCRIPT = `
if [ -e "$p" ]; then
  s=$(stat -L -c '%F|%a|%U|%G|%s' -- "$p") || exit 3
  printf 'stat %s\\n' "$s"
  if [ -f "$p" ]; then
    z=\${s#*|*|*|*|}
    if [ "$z" -le "$m" ]; then printf 'content '; base64 -w0 < "$p" || exit 3; echo; else echo toolarge; fi
  fi
else echo absent; fi`;

export const secretFile = defineFact<SecretFileArgs, SecretFileState>({
  name: 'file.secret',
  command: ({ path, maxBytes }) => sh`p=${path}; m=${Math.max(0, Math.floor(maxBytes))};${sh.raw(SCRIPT)}`,
  parse: (result, { path, secret }) => {
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `reading ${path} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    return parseSecretFile(path, result.stdout, secret !== false);
  },
});

export function absentSecretFile(path: string): SecretFileState {
  return { path, exists: false, type: null, mode: null, owner: null, group: null, size: null, sha256: null, content: null, tooLarge: false };
}

export function parseSecretFile(path: string, stdout: string, secret = true): SecretFileState {
  const state = absentSecretFile(path);
  for (const line of stdout.split('\n')) {
    if (line.startsWith('stat ')) {
      const [kind = '', mode = '', owner = '', group = '', size = ''] = line.slice(5).split('|');
      Object.assign(state, {
        exists: true,
        type: kind.startsWith('regular') ? 'file' : kind === 'directory' ? 'directory' : 'other',
        mode: normalizeMode(mode),
        owner,
        group,
        size: Number(size),
      });
    } else if (line.startsWith('content ')) {
      const bytes = Buffer.from(line.slice(8), 'base64');
      state.sha256 = sha256(bytes);
      state.content = secret ? new Secret(bytes.toString('utf8')) : bytes.toString('utf8');
    } else if (line === 'toolarge') {
      state.tooLarge = true;
    }
  }
  return state;
}

/** A file state whose content is given (plan fixtures, tests). */
export function secretFileWith(path: string, content: string, attributes: { mode?: string; owner?: string; group?: string } = {}): SecretFileState {
  return {
    path,
    exists: true,
    type: 'file',
    mode: attributes.mode ?? '0600',
    owner: attributes.owner ?? 'root',
    group: attributes.group ?? 'root',
    size: Buffer.byteLength(content),
    sha256: sha256(content),
    content: new Secret(content),
    tooLarge: false,
  };
}
