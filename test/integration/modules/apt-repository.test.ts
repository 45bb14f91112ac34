import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { aptKey, aptRepository } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';
import { makeFlatRepository, makeSigningKey, requestsTo, serveDirectory } from './fixtures/served-files.js';

// node1 serves a signed flat repository with one package; node2 adds it with signed-by (seed 000-05/07/16's plumbing).
const hosts = useHosts(2);
const t = () => hosts.transport('node2');
const LIST = '/etc/apt/sources.list.d/meshbook.list';
let base = '';
const prepare = async () => {
  if (base) return;
  base = await serveDirectory(hosts, 'node1');
  await makeSigningKey(hosts, 'node1', 'meshbook');
  await makeFlatRepository(hosts, 'node1', 'meshbook');
  await aptKey.run(t(), { name: 'meshbook', url: `${base}/meshbook.asc` });
};
const repo = () => ({ name: 'meshbook', uri: `${base}/repo/`, suite: './', signedBy: '/etc/apt/keyrings/meshbook.gpg' });
const candidate = () => hosts.sh('node2', "apt-cache policy meshbook-hello | sed -n 's/^ *Candidate: //p'");
const listState = () => hosts.sh('node2', `ls /etc/apt/sources.list.d; cat ${LIST} 2>&1; ls /var/lib/apt/lists | grep -c meshbook || true`);

describe('aptRepository on a real host', () => {
  it('bad params fail before the host is touched', async () => {
    await proveBadParams(aptRepository, t(), { name: 'meshbook', uri: 'http://x/', suite: 'bookworm' }, /aptRepository\.components: at least one component/);
    await proveBadParams(aptRepository, t(), { name: 'meshbook', uri: 'http://x/', suite: 'bookworm', components: ['main] evil'] }, /aptRepository\.components\[0\]/);
  });

  it('check mode on a fresh host reports the source and writes nothing', async () => {
    await prepare();
    const result = await proveCheckMode(aptRepository, t(), repo(), listState);
    expect(result.diff).toContain(`+deb [signed-by=/etc/apt/keyrings/meshbook.gpg] ${base}/repo/ ./`);
    expect(await requestsTo(hosts, 'node1', '/repo/./InRelease')).toBe(0);
  });

  it('adds the source and refreshes it (signed-by verified), then neither; gather is one round trip', async () => {
    await prepare();
    await proveIdempotent(aptRepository, t(), repo(), async () => {
      expect(await hosts.sh('node2', `cat ${LIST}; stat -c %a ${LIST}`)).toBe(`deb [signed-by=/etc/apt/keyrings/meshbook.gpg] ${base}/repo/ ./\n644\n`);
      expect(await candidate()).toBe('1.0\n');
    });
    // Refreshed once, for the first apply only.
    expect(await requestsTo(hosts, 'node1', '/repo/./InRelease')).toBe(1);
    await proveOneRoundTrip(aptRepository, t(), repo());
  });

  it('a changed line is rewritten and refreshed again (diff shown)', async () => {
    await prepare();
    const diff = await applyWithDiff(aptRepository, t(), { ...repo(), arch: 'amd64' });
    expect(diff).toContain(`-deb [signed-by=/etc/apt/keyrings/meshbook.gpg] ${base}/repo/ ./\n+deb [arch=amd64 signed-by=/etc/apt/keyrings/meshbook.gpg] ${base}/repo/ ./`);
    expect(await requestsTo(hosts, 'node1', '/repo/./InRelease')).toBe(2);
  });

  it('a source apt cannot refresh fails, and the previous file is put back', async () => {
    await prepare();
    const before = await hosts.sh('node2', `cat ${LIST}`);
    await expect(aptRepository.run(t(), { ...repo(), uri: `${base}/no-such-repo/` })).rejects.toThrow(/apt failed/);
    expect(await hosts.sh('node2', `cat ${LIST}`)).toBe(before);
  });

  it('a repository whose signature the signed-by keyring cannot verify fails, and the file is put back', async () => {
    await prepare();
    await makeSigningKey(hosts, 'node1', 'stranger');
    await aptKey.run(t(), { name: 'stranger', url: `${base}/stranger.asc` });
    // A URI apt has no lists for: an InRelease apt already holds is not verified again on a 304.
    await hosts.sh('node1', 'ln -sfn /srv/www/repo /srv/www/mirror');
    const before = await hosts.sh('node2', `cat ${LIST}`);
    const error = await aptRepository.run(t(), { ...repo(), uri: `${base}/mirror/`, signedBy: '/etc/apt/keyrings/stranger.gpg' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    const { stdout = '', stderr = '' } = error as MeshbookError;
    expect(`${stderr}${stdout}`).toMatch(/NO_PUBKEY|is not signed|signatures couldn't be verified/);
    expect(await hosts.sh('node2', `cat ${LIST}`)).toBe(before);
  });

  it('a rewritten source file keeps its owner, group and mode (issue 19, items 5 and 7)', async () => {
    await prepare();
    await aptRepository.run(t(), repo());
    await hosts.sh('node2', `chown nobody:nogroup ${LIST} && chmod 0640 ${LIST}`);
    await proveIdempotent(aptRepository, t(), { ...repo(), arch: 'amd64' }, async () => {
      expect(await hosts.sh('node2', `stat -c '%a %U:%G' ${LIST}; cat ${LIST}`)).toBe(`640 nobody:nogroup\ndeb [arch=amd64 signed-by=/etc/apt/keyrings/meshbook.gpg] ${base}/repo/ ./\n`);
    });
    await hosts.sh('node2', `chown root:root ${LIST} && chmod 0644 ${LIST}`);
  });

  it('absent: the file goes, then nothing', async () => {
    await prepare();
    await proveIdempotent(aptRepository, t(), { ...repo(), state: 'absent', updateCache: false }, async () => {
      expect(await hosts.sh('node2', `test -e ${LIST} && echo present || echo absent`)).toBe('absent\n');
    });
  });
});
