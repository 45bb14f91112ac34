import { describe, expect, it } from 'vitest';
import { getUrl } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';
import { requestsTo, serveDirectory } from './fixtures/served-files.js';

// node1 serves a cilium-cli-like tarball; node2 downloads it (seed 000-15), over the fleet bridge.
const hosts = useHosts(2);
const t = () => hosts.transport('node2');
const TARBALL = 'cilium-linux-amd64.tar.gz';
const DEST = `/usr/local/src/${TARBALL}`;
let base = '';
let checksum = '';

const prepare = async () => {
  if (base) return;
  base = await serveDirectory(hosts, 'node1');
  checksum = `sha256:${(
    await hosts.sh('node1', `set -e; d=$(mktemp -d); printf '#!/bin/sh\\necho cilium-cli v0.16\\n' > $d/cilium; chmod 755 $d/cilium; tar -czf /srv/www/${TARBALL} -C $d cilium; sha256sum /srv/www/${TARBALL}`)
  ).split(' ')[0]}`;
  await hosts.sh('node2', 'mkdir -p /usr/local/src');
};
const params = () => ({ url: `${base}/${TARBALL}`, dest: DEST, checksum });
// The directory's own entry is left out: the temp file is made beside dest (so the move is atomic) and
// removed, which moves the directory's mtime but leaves what it holds as it was.
const destState = () =>
  hosts.sh('node2', `ls -lA --time-style=full-iso /usr/local/src; stat -c '%i %s %y' ${DEST} 2>&1; sha256sum ${DEST} 2>&1 || true`);

describe('getUrl on a real host', () => {
  it('bad params fail before the host is touched', async () => {
    await proveBadParams(getUrl, t(), { url: 'http://x/y', dest: DEST }, /getUrl\.checksum/);
    await proveBadParams(getUrl, t(), { url: 'http://x/y', dest: DEST, checksum: 'sha256:abc' }, /getUrl\.checksum: 'sha256:' followed by 64 hex digits/);
  });

  it('check mode on a fresh host reports the download and downloads nothing', async () => {
    await prepare();
    const result = await proveCheckMode(getUrl, t(), params(), destState);
    expect(result.changes.map((c) => c.kind)).toEqual(['get_url.download']);
    expect(await requestsTo(hosts, 'node1', `/${TARBALL}`)).toBe(0);
  });

  it('downloads and verifies, then never downloads again; gather is one round trip', async () => {
    await prepare();
    await proveIdempotent(getUrl, t(), params(), async () => {
      expect(await hosts.sh('node2', `sha256sum ${DEST} | cut -d' ' -f1; stat -c '%a %U' ${DEST}`)).toBe(`${checksum.slice(7)}\n644 root\n`);
    });
    expect(await requestsTo(hosts, 'node1', `/${TARBALL}`)).toBe(1);
    await proveOneRoundTrip(getUrl, t(), params());
    expect(await requestsTo(hosts, 'node1', `/${TARBALL}`)).toBe(1);
  });

  it('mode and owner are corrected without a download (diff shown)', async () => {
    await prepare();
    const diff = await applyWithDiff(getUrl, t(), { ...params(), mode: '0755', owner: 'nobody' });
    expect(diff).toContain('- 0644\n+ 0755');
    expect(diff).toContain('- root:root\n+ nobody:root');
    expect(await hosts.sh('node2', `stat -c '%a %U' ${DEST}`)).toBe('755 nobody\n');
    expect(await requestsTo(hosts, 'node1', `/${TARBALL}`)).toBe(1);
  });

  it('a checksum mismatch fails and leaves dest untouched, with no temp file left', async () => {
    await prepare();
    await hosts.sh('node2', `printf 'old build' > ${DEST}`);
    const before = await destState();
    await expect(getUrl.run(t(), { ...params(), checksum: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(
      new RegExp(`checksum mismatch for .*${TARBALL}: expected sha256:0{64}, got ${checksum}; ${DEST} left untouched`),
    );
    expect(await destState()).toBe(before);
  });

  it('a missing URL fails naming it', async () => {
    await prepare();
    await expect(getUrl.run(t(), { ...params(), url: `${base}/missing.tar.gz` })).rejects.toThrow(`downloading ${base}/missing.tar.gz failed`);
  });

  it('a download streams its progress lines (the live view shows them)', async () => {
    await prepare();
    const progress: string[] = [];
    const fresh = { ...params(), dest: '/usr/local/src/streamed.tar.gz' };
    expect((await getUrl.run(t(), fresh, { onProgress: (line) => progress.push(line) })).changed).toBe(true);
    expect(progress).toEqual([`downloading ${params().url}`, expect.stringMatching(/^downloaded \d+ bytes, sha256 verified$/)]);
  });
});
