import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Secret } from '../secret.js';
import { readVaultPasswordFile } from '../vault/password.js';
import { rejection, tempInventory } from './__fixtures__/temp-inventory.js';
import { loadInventory } from './load.js';
import { renderInventoryList } from './render.js';

/** ansible-vault's own output (see vault/__fixtures__): an encrypt_string value and an encrypted file. */
const vaultFixtures = fileURLToPath(new URL('../vault/__fixtures__/', import.meta.url));
const vaultedString = readFileSync(`${vaultFixtures}vaulted-string.yaml`, 'utf8'); // db_password: !vault | ...
const encryptedFile = readFileSync(`${vaultFixtures}encrypted-file.yaml`, 'utf8'); // api_token: abc123, replicas: 3

describe('ansible-vault in an inventory', async () => {
  const password = await readVaultPasswordFile(`${vaultFixtures}vault-password`);
  const files = {
    'hosts.ini': '[db]\ndb1\n',
    'group_vars/db.yaml': `${vaultedString}\nport: 5432\n`,
    'group_vars/all/vault.yaml': encryptedFile,
  };

  it('decrypts !vault values and whole encrypted vars files into Secrets', async () => {
    const inventory = await loadInventory(await tempInventory(files), { vaultPasswords: [password] });
    const vars = inventory.hosts.get('db1')?.vars ?? {};
    expect(vars['db_password']).toBeInstanceOf(Secret);
    expect((vars['db_password'] as Secret).reveal()).toBe('s3cret-token');
    expect((vars['api_token'] as Secret).reveal()).toBe('abc123');
    expect(vars['replicas']).toBe(3);
    expect(vars['port']).toBe(5432);
  });

  it('never prints a decrypted value in a listing', async () => {
    const inventory = await loadInventory(await tempInventory(files), { vaultPasswords: [password] });
    const listing = JSON.stringify(renderInventoryList(inventory));
    expect(listing).not.toContain('s3cret-token');
    expect(listing).not.toContain('abc123');
    expect(listing).toContain('"db_password":"***"');
  });

  it('a wrong password is bad input naming the file', async () => {
    const dir = await tempInventory({ 'hosts.ini': '[db]\ndb1\n', 'group_vars/all/vault.yaml': encryptedFile });
    const wrong = { id: 'default', password: 'wrong', source: 'wrong.txt' };
    const error = await rejection(loadInventory(dir, { vaultPasswords: [wrong] }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain(`${dir}/group_vars/all/vault.yaml: the vault password does not decrypt it (tried wrong.txt)`);
  });

  it('a wrong password for a !vault value names the file and line', async () => {
    const dir = await tempInventory({ 'hosts.ini': '[db]\ndb1\n', 'group_vars/db.yaml': vaultedString });
    const error = await rejection(loadInventory(dir, { vaultPasswords: [{ id: 'default', password: 'wrong', source: 'wrong.txt' }] }));
    expect(error.message).toMatch(/group_vars\/db\.yaml:1:\d+: the vault password does not decrypt it \(tried wrong\.txt\)/);
  });
});
