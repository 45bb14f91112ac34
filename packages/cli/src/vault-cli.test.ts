import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { testIo } from './__fixtures__/test-io.js';
import { main } from './main.js';

/** ansible-vault's own output, kept with the engine's vault tests. */
const vaultFixtures = fileURLToPath(new URL('../../engine/src/vault/__fixtures__/', import.meta.url));

async function inventoryWithVault(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meshbook-vault-cli-'));
  await mkdir(join(dir, 'group_vars'));
  await writeFile(join(dir, 'hosts'), '[db]\ndb1 ansible_connection=local\n');
  await writeFile(join(dir, 'group_vars', 'db.yaml'), await readFile(join(vaultFixtures, 'vaulted-string.yaml'), 'utf8'));
  await writeFile(join(dir, 'vault-password'), await readFile(join(vaultFixtures, 'vault-password'), 'utf8'));
  await writeFile(join(dir, 'wrong-password'), 'not it\n');
  return dir;
}

describe('meshbook inventory --vault-password-file', () => {
  it('decrypts !vault values and prints them masked', async () => {
    const dir = await inventoryWithVault();
    const io = testIo(dir);
    const code = await main(['inventory', '-i', '.', '--list', '--vault-password-file', 'vault-password'], io);
    expect(io.stderr.text).toBe('');
    expect(code).toBe(EXIT.OK);
    expect(JSON.parse(io.stdout.text)._meta.hostvars.db1.db_password).toBe('***');
    expect(io.stdout.text).not.toContain('s3cret-token');
  });

  it('a wrong password is BAD_INPUT naming the file', async () => {
    const dir = await inventoryWithVault();
    const io = testIo(dir);
    const code = await main(['inventory', '-i', '.', '--list', '--vault-password-file', 'wrong-password'], io);
    expect(code).toBe(EXIT.BAD_INPUT);
    expect(io.stderr.text).toMatch(/group_vars\/db\.yaml:1:\d+: the vault password does not decrypt it \(tried .*wrong-password\)/);
  });

  it('no password: says which option gives it', async () => {
    const dir = await inventoryWithVault();
    const io = testIo(dir);
    expect(await main(['inventory', '-i', '.', '--list'], io)).toBe(EXIT.BAD_INPUT);
    expect(io.stderr.text).toContain('--vault-password-file FILE');
  });
});
