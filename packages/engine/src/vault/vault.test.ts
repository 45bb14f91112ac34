import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readVaultPasswordFile } from './password.js';
import { decryptVault } from './vault.js';

/** Made with ansible-vault (ansible-core 2.14): encrypt_string, encrypt, encrypt --vault-id prod@. */
const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

const ansibleVault = (() => {
  try {
    execFileSync('ansible-vault', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('Ansible Vault decryption', async () => {
  const password = await readVaultPasswordFile(join(fixtures, 'vault-password'));
  const prod = await readVaultPasswordFile(`prod@${join(fixtures, 'prod-password')}`);

  it('opens a whole encrypted file (1.1)', () => {
    expect(decryptVault(read('encrypted-file.yaml'), [password], 'encrypted-file.yaml')).toBe('api_token: abc123\nreplicas: 3\n');
  });

  it('opens a 1.2 file with its vault id, trying that id first', () => {
    expect(decryptVault(read('encrypted-file-vault-id.yaml'), [password, prod], 'f')).toBe('api_token: abc123\nreplicas: 3\n');
  });

  it('opens an encrypt_string value', () => {
    const block = read('vaulted-string.yaml').split('!vault |')[1] ?? '';
    const text = block.split('\n').map((line) => line.trim()).join('\n');
    expect(decryptVault(text, [password], 'vaulted-string.yaml')).toBe('s3cret-token');
  });

  it('a wrong password is bad input naming the file, never the password', () => {
    const wrong = { id: 'default', password: 'nope', source: 'wrong-password-file' };
    let error: (Error & { code?: string }) | undefined;
    try {
      decryptVault(read('encrypted-file.yaml'), [wrong], 'group_vars/all/vault.yaml');
    } catch (caught) {
      error = caught as Error & { code?: string };
    }
    expect(error?.code).toBe('BAD_INPUT');
    expect(error?.message).toContain('group_vars/all/vault.yaml: the vault password does not decrypt it (tried wrong-password-file)');
    expect(error?.message).not.toContain('nope');
  });

  it('no password given says how to give one', () => {
    expect(() => decryptVault(read('encrypted-file-vault-id.yaml'), [], 'f')).toThrow(/vault id prod\) and no vault password was given/);
  });

  it.runIf(ansibleVault)('decrypts what ansible-vault encrypts today', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-vault-'));
    writeFileSync(join(dir, 'secret.yaml'), 'token: fresh\n');
    execFileSync('ansible-vault', ['encrypt', '--vault-id', `prod@${join(fixtures, 'prod-password')}`, join(dir, 'secret.yaml')], {
      env: { ...process.env, ANSIBLE_LOCAL_TEMP: dir },
    });
    const encrypted = readFileSync(join(dir, 'secret.yaml'), 'utf8');
    expect(encrypted.startsWith('$ANSIBLE_VAULT;1.2;AES256;prod')).toBe(true);
    expect(decryptVault(encrypted, [prod], 'secret.yaml')).toBe('token: fresh\n');
  });
});
