import { MeshbookError } from '@meshbook/engine';
import type { FileAttributes } from './file-attributes.js';
import { planFile } from './file-content.js';
import type { DesiredFile, FileChange } from './file-content.js';
import type { FileState } from './file-facts.js';
import { applyLineEdit } from './text-edit.js';

/** What to do when the file to edit does not exist. */
export type WhenAbsent = 'create' | 'fail' | 'skip';

export interface InPlaceEdit<M extends string = string> {
  module: M;
  path: string;
  state: FileState;
  edit: (lines: string[]) => string[];
  whenAbsent: WhenAbsent;
  attributes: FileAttributes;
}

/** The whole file after the edit, or null when there is nothing to write (absent and skipped). */
export function editedFile(e: InPlaceEdit): DesiredFile | null {
  let original = '';
  if (!e.state.exists) {
    if (e.whenAbsent === 'skip') return null;
    if (e.whenAbsent === 'fail') {
      throw new MeshbookError('MODULE_FAILED', `${e.path} does not exist`, { hint: `set create: true to create it` });
    }
  } else {
    if (e.state.type !== 'file') throw new MeshbookError('MODULE_FAILED', `${e.path} is a ${e.state.type}, not a regular file`);
    if (e.state.text === null) {
      throw new MeshbookError('MODULE_FAILED', `${e.path} is not a text file (binary or larger than the edit limit)`);
    }
    original = e.state.text;
  }
  const text = applyLineEdit(original, e.edit);
  // An edit that adds nothing to a missing file (backrefs without a match) creates no empty file.
  if (!e.state.exists && text === '') return null;
  return { path: e.path, bytes: Buffer.from(text, 'utf8'), sensitive: false, attributes: e.attributes };
}

/** The edit's file changes; apply them with applyFile (the payload holds the edited file). */
export function planEdit<M extends string>(e: InPlaceEdit<M>, options: { backup?: boolean; validate?: string | undefined } = {}): FileChange<M>[] {
  const desired = editedFile(e);
  return desired ? planFile(e.module, e.state, desired, { ...options, createParents: e.whenAbsent === 'create' }) : [];
}
