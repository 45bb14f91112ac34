import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { getUrl } from './get-url.js';
import { parseFileState } from './lib/file-facts.js';

const SUM = 'a'.repeat(64);
const DEST = '/usr/local/src/cilium.tar.gz';
const dest = (sum: string | null, mode = '644', owner = 'root') =>
  parseFileState(DEST, sum === null ? 'absent\n' : `stat regular file|${mode}|${owner}|${owner}|10|0|0\nsha256 ${sum}\n`);
const base = { url: 'http://172.17.0.2:8000/cilium.tar.gz', dest: DEST, checksum: `sha256:${SUM}` };

describePlanFixtures(
  getUrl,
  [
    { name: 'missing: download', params: base, facts: dest(null), changes: [{ kind: 'get_url.download', target: DEST, before: null, after: `sha256:${SUM}` }] },
    { name: 'other content: download', params: base, facts: dest('b'.repeat(64)), changes: [{ kind: 'get_url.download', target: DEST, before: `sha256:${'b'.repeat(64)}` }] },
    { name: 'checksum matches: nothing (no download)', params: base, facts: dest(SUM), changes: [] },
    { name: 'checksum in upper case matches too', params: { ...base, checksum: `sha256:${'A'.repeat(64)}` }, facts: dest(SUM), changes: [] },
    { name: 'matches, mode differs', params: { ...base, mode: '0755' }, facts: dest(SUM), changes: [{ kind: 'get_url.mode', target: DEST, before: '0644', after: '0755' }] },
    { name: 'mode as a number', params: { ...base, mode: 0o644 }, facts: dest(SUM), changes: [] },
    { name: 'matches, owner differs', params: { ...base, owner: 'ubuntu' }, facts: dest(SUM), changes: [{ kind: 'get_url.owner', target: DEST, before: 'root:root', after: 'ubuntu:root' }] },
    { name: 'missing with mode and owner: one download change (it sets both)', params: { ...base, mode: '0755', owner: 'ubuntu' }, facts: dest(null), changes: [{ kind: 'get_url.download', target: DEST }] },
  ],
  [
    { name: 'no checksum', params: { url: base.url, dest: DEST }, error: /getUrl\.checksum/ },
    { name: 'an md5 checksum', params: { ...base, checksum: `md5:${'a'.repeat(32)}` }, error: /getUrl\.checksum: 'sha256:' followed by 64 hex digits/ },
    { name: 'a directory dest', params: { ...base, dest: '/usr/local/src/' }, error: /getUrl\.dest/ },
    { name: 'a file:// URL', params: { ...base, url: 'file:///etc/passwd' }, error: /getUrl\.url/ },
    { name: 'a bad mode', params: { ...base, mode: '0999' }, error: /getUrl\.mode/ },
  ],
);

describe('getUrl plan errors', () => {
  it('dest is a directory', () => {
    const facts = parseFileState(DEST, 'stat directory|755|root|root|4096|0|0\n');
    expect(() => getUrl.definition.plan(facts, getUrl.parse(base))).toThrow('exists and is not a regular file');
  });
});

// The download script, run for real on the controller against a local HTTP server (no host needed).
describe('getUrl on the controller', async () => {
  const { createServer } = await import('node:http');
  const { mkdtemp, readFile, rm, writeFile, stat } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { LocalTransport } = await import('@meshbook/engine');
  const { sha256 } = await import('./lib/file-facts.js');
  const { afterAll, beforeAll } = await import('vitest');

  const body = Buffer.from('#!/bin/sh\necho cilium\n');
  let url = '';
  let dir = '';
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (req.url === '/cilium') res.end(body);
    else res.writeHead(404).end();
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = await mkdtemp(join(tmpdir(), 'mb-get-url-'));
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads, verifies, sets the mode; a second run does not download', async () => {
    const t = new LocalTransport();
    const params = { url: `${url}/cilium`, dest: join(dir, 'cilium'), checksum: `sha256:${sha256(body)}`, mode: '0755' };
    const first = await getUrl.run(t, params);
    expect(first.changed).toBe(true);
    expect(await readFile(params.dest)).toEqual(body);
    expect((await stat(params.dest)).mode & 0o777).toBe(0o755);
    const before = requests;
    const second = await getUrl.run(t, params);
    expect(second.changed).toBe(false);
    expect(requests).toBe(before);
  });

  it('a checksum mismatch fails and leaves dest untouched (no temp file left)', async () => {
    const dest = join(dir, 'kept');
    await writeFile(dest, 'old');
    const params = { url: `${url}/cilium`, dest, checksum: `sha256:${'0'.repeat(64)}` };
    await expect(getUrl.run(new LocalTransport(), params)).rejects.toThrow(/checksum mismatch .* expected sha256:0{64}, got sha256:[0-9a-f]{64}; .* left untouched/);
    expect(await readFile(dest, 'utf8')).toBe('old');
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((f) => f.includes('meshbook'))).toEqual([]);
  });

  it('a 404 fails naming the URL', async () => {
    const params = { url: `${url}/missing`, dest: join(dir, 'missing'), checksum: `sha256:${'0'.repeat(64)}` };
    await expect(getUrl.run(new LocalTransport(), params)).rejects.toThrow(`downloading ${url}/missing failed`);
  });
});
