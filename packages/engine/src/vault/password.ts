import { readFile } from 'node:fs/promises';
import { MeshbookError } from '../errors.js';
import type { VaultPassword } from './vault.js';

/**
 * `--vault-password-file FILE` or `--vault-id [ID@]FILE`: the file's first line, trailing newline
 * and spaces stripped as Ansible strips them. Executable password scripts are not run.
 */
export async function readVaultPasswordFile(spec: string): Promise<VaultPassword> {
  const at = spec.indexOf('@');
  const id = at > 0 ? spec.slice(0, at) : 'default';
  const file = at > 0 ? spec.slice(at + 1) : spec;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new MeshbookError('BAD_INPUT', `vault password file ${file} cannot be read (${error.code ?? error.message})`, {
      hint: 'pass the path of a file holding the vault password',
    });
  });
  const password = text.replace(/\s+$/, '');
  if (password === '') {
    throw new MeshbookError('BAD_INPUT', `vault password file ${file} is empty`, { hint: 'write the vault password on its first line' });
  }
  return { id, password, source: file };
}
