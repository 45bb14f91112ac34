import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * The bundled CLI's SSH connections use ssh2's native crypto binding when the installed ssh2 has it
 * (one cipher context per direction), and ssh2's JS path (a node:crypto cipher per packet) when it
 * cannot be loaded or belongs to another ssh2 version, with the same cipher and output either way.
 */
const fleet = useFleet({ hosts: 1 });
const workDir = useWorkDir();
const COUNTER = fileURLToPath(new URL('./fixtures/count-ssh-ciphers.cjs', import.meta.url));
const BYTES = 600_000;

interface CipherCounts {
  bindingLoaded: boolean;
  nodeCrypto: Record<string, number>;
  binding: Record<string, number>;
}

type Binding = 'present' | 'hidden' | 'another ssh2 version';

async function execCounted(binding: Binding): Promise<{ stdout: string; counts: CipherCounts }> {
  const inventory = await writeInventory(fleet(), workDir());
  const out = join(workDir(), `counts-${binding.replaceAll(' ', '-')}.json`);
  // Many packets from the host: ~800 KB of output.
  const command = `head -c ${BYTES} /dev/zero | base64 -w0 | sha256sum; head -c ${BYTES} /dev/zero | base64 -w0 >&2`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--require', COUNTER, join(REPO_ROOT, 'packages/cli/bin/meshbook.js'), 'exec', 'node1', '-i', inventory, '-v', '--', 'sh', '-c', command],
    {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
      env: {
        ...process.env,
        NO_COLOR: '1',
        COUNT_SSH_CIPHERS_OUT: out,
        HIDE_SSHCRYPTO: binding === 'hidden' ? '1' : '0',
        SSH2_INSTALLED_VERSION: binding === 'another ssh2 version' ? '1.0.0' : '',
      },
    },
  );
  return { stdout, counts: JSON.parse(await readFile(out, 'utf8')) as CipherCounts };
}

/** What the host's sha256sum prints for the output, and the output itself, as the CLI printed them. */
const EXPECTED_DIGEST = createHash('sha256').update(Buffer.alloc(BYTES).toString('base64')).digest('hex');
const digestOf = (stdout: string) => /\[node1\] ([0-9a-f]{64}) +-/.exec(stdout)?.[1];
const printedOutput = (stdout: string) => stdout.includes(`[node1] ${Buffer.alloc(BYTES).toString('base64')}\n`);

const only = (table: Record<string, number>, pattern: RegExp) => Object.fromEntries(Object.entries(table).filter(([key]) => pattern.test(key)));

describe('ssh2 crypto in the bundled CLI', () => {
  it('uses the installed ssh2 binding: one AES-GCM context per direction, no node:crypto cipher per packet', async () => {
    const { stdout, counts } = await execCounted('present');
    expect(digestOf(stdout)).toBe(EXPECTED_DIGEST);
    expect(printedOutput(stdout)).toBe(true);
    expect(counts.bindingLoaded).toBe(true);
    expect(counts.binding).toEqual({ 'AESGCMCipher aes-128-gcm': 1, 'AESGCMDecipher aes-128-gcm': 1 });
    expect(only(counts.nodeCrypto, /gcm|ctr|chacha/)).toEqual({});
  });

  it("without the binding, takes ssh2's JS path: the same cipher, a node:crypto cipher per packet, the same output", async () => {
    const [hidden, present] = [await execCounted('hidden'), await execCounted('present')];
    expect(hidden.counts.bindingLoaded).toBe(false);
    expect(hidden.counts.binding).toEqual({});
    const perPacket = only(hidden.counts.nodeCrypto, /gcm|ctr|chacha/);
    expect(Object.keys(perPacket).sort()).toEqual(['createCipheriv aes-128-gcm', 'createDecipheriv aes-128-gcm']);
    // The output alone is > 20 packets of at most 32 KiB.
    expect(perPacket['createDecipheriv aes-128-gcm']).toBeGreaterThan(20);
    for (const run of [hidden, present]) {
      expect(digestOf(run.stdout)).toBe(EXPECTED_DIGEST);
      expect(printedOutput(run.stdout)).toBe(true);
    }
  });

  it('an installed ssh2 of another version than the bundled one: its binding is not loaded, the JS path runs', async () => {
    const { stdout, counts } = await execCounted('another ssh2 version');
    expect(counts.bindingLoaded).toBe(false);
    expect(counts.binding).toEqual({});
    expect(only(counts.nodeCrypto, /gcm|ctr|chacha/)['createDecipheriv aes-128-gcm']).toBeGreaterThan(20);
    expect(digestOf(stdout)).toBe(EXPECTED_DIGEST);
  });
});
