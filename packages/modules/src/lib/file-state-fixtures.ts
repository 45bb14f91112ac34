import { absentFileState, sha256, textOf } from './file-facts.js';
import type { FileState } from './file-facts.js';

/** A FileState for plan fixtures: absentFile('/x'), textFile('/x', 'a\n', { mode: '0600' }), ... */
export function absentFile(path: string, extra: Partial<FileState> = {}): FileState {
  return { ...absentFileState(path), ...extra };
}

export function textFile(path: string, content: string | Buffer, extra: Partial<FileState> = {}): FileState {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return absentFile(path, {
    exists: true,
    type: 'file',
    mode: '0644',
    owner: 'root',
    group: 'root',
    uid: 0,
    gid: 0,
    size: bytes.length,
    sha256: sha256(bytes),
    bytes,
    text: textOf(bytes),
    ...extra,
  });
}

/** A file known by checksum only (larger than the content limit, or content not asked for). */
export function largeFile(path: string, content: string | Buffer, extra: Partial<FileState> = {}): FileState {
  return textFile(path, content, { bytes: null, text: null, ...extra });
}

export function directory(path: string, extra: Partial<FileState> = {}): FileState {
  return absentFile(path, { exists: true, type: 'directory', mode: '0755', owner: 'root', group: 'root', uid: 0, gid: 0, size: 4096, ...extra });
}

export function symlink(path: string, target: string, resolved: Partial<FileState> = {}): FileState {
  return absentFile(path, { isLink: true, linkTarget: target, ...resolved });
}
