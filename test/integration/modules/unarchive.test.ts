import { describe, expect, it } from 'vitest';
import { unarchive } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// Seed 000-15: the cilium-cli tarball (already downloaded and checked by get_url) into /usr/local/bin.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const SRC = '/usr/local/src/cilium-linux-amd64.tar.gz';
const makeArchive = (version: string, name = SRC, flags = '-czf') =>
  hosts.sh(H, `set -e; d=$(mktemp -d); mkdir -p /usr/local/src; printf '#!/bin/sh\\necho cilium-cli ${version}\\n' > $d/cilium; chmod 755 $d/cilium; echo license > $d/LICENSE; tar ${flags} ${name} -C $d cilium LICENSE`);
const cilium = { src: SRC, dest: '/usr/local/bin', include: ['cilium'] };
const binState = () => hosts.sh(H, 'ls -la /usr/local/bin; cat /usr/local/bin/cilium 2>&1 || true');

describe('unarchive on a real host', () => {
  it('check mode on a fresh host reports the extraction and extracts nothing', async () => {
    await makeArchive('v0.16.0');
    const result = await proveCheckMode(unarchive, t(), cilium, binState);
    expect(result.changes[0]?.summary).toContain('1 entry differs (cilium)');
  });

  it('extracts only the listed entry, then nothing; gather is one round trip', async () => {
    await proveIdempotent(unarchive, t(), cilium, async () => {
      expect(await hosts.sh(H, '/usr/local/bin/cilium; stat -c %a /usr/local/bin/cilium; test -e /usr/local/bin/LICENSE && echo extra || echo only')).toBe('cilium-cli v0.16.0\n755\nonly\n');
    });
    await proveOneRoundTrip(unarchive, t(), cilium);
  });

  it('a new archive version is noticed by content and extracted (diff shown)', async () => {
    await makeArchive('v0.16.1');
    const diff = await applyWithDiff(unarchive, t(), cilium);
    expect(diff).toContain('1 entry differs (cilium)');
    expect(await hosts.sh(H, '/usr/local/bin/cilium')).toBe('cilium-cli v0.16.1\n');
    // Each extracted entry is streamed as a progress line.
    await makeArchive('v0.16.2');
    const progress: string[] = [];
    await unarchive.run(t(), cilium, { onProgress: (line) => progress.push(line) });
    expect(progress).toEqual(['cilium']);
    expect(await hosts.sh(H, '/usr/local/bin/cilium')).toBe('cilium-cli v0.16.2\n');
    expect((await unarchive.run(t(), cilium)).changed).toBe(false);
  });

  it('creates: an existing path means done; a .tar.xz into a new directory', async () => {
    await makeArchive('v0.16.1', '/usr/local/src/cilium.tar.xz', '-cJf');
    const params = { src: '/usr/local/src/cilium.tar.xz', dest: '/opt/cilium', creates: '/opt/cilium/cilium' };
    await proveIdempotent(unarchive, t(), params, async () => {
      expect(await hosts.sh(H, 'ls /opt/cilium')).toBe('LICENSE\ncilium\n');
    });
    await hosts.sh(H, 'echo changed > /opt/cilium/LICENSE');
    expect((await unarchive.run(t(), params)).changed).toBe(false);
  });

  it('a missing archive is a clear error', async () => {
    await expect(unarchive.run(t(), { src: '/nope.tar.gz', dest: '/tmp/x' }, { check: true })).rejects.toThrow('archive /nope.tar.gz not found');
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(unarchive, t(), { src: 'relative.tar.gz', dest: '/opt' }, /unarchive\.src/);
    await proveBadParams(unarchive, t(), { src: SRC, dest: '/opt', include: ['--checkpoint-action=exec=id'] }, /unarchive\.include\[0\]/);
  });
});
