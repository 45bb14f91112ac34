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
    { name: 'no checksum', params: { url: base.url, dest: DEST }, error: /get_url\.checksum/ },
    { name: 'an md5 checksum', params: { ...base, checksum: `md5:${'a'.repeat(32)}` }, error: /get_url\.checksum: 'sha256:' followed by 64 hex digits/ },
    { name: 'a directory dest', params: { ...base, dest: '/usr/local/src/' }, error: /get_url\.dest/ },
    { name: 'a file:// URL', params: { ...base, url: 'file:///etc/passwd' }, error: /get_url\.url/ },
    { name: 'a bad mode', params: { ...base, mode: '0999' }, error: /get_url\.mode/ },
  ],
);

describe('get_url plan errors', () => {
  it('dest is a directory', () => {
    const facts = parseFileState(DEST, 'stat directory|755|root|root|4096|0|0\n');
    expect(() => getUrl.definition.plan(facts, getUrl.parse(base))).toThrow('exists and is not a regular file');
  });
});
