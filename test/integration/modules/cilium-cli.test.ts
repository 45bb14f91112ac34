import { describe, expect, it } from 'vitest';
import { apt, aptKey, aptRepository, ciliumCli } from '@meshbook/modules';
import { CILIUM_CLI_VERSION, builtDoubles } from '@meshbook/fleet';
import { proveCheckMode, proveIdempotent, useHosts } from '../support/prove.js';

/**
 * The ciliumCli module (seed 000-15) on fleet hosts against the stand-ins' GitHub-releases-shaped
 * file server: stable.txt resolved, the tarball checked against its .sha256sum, then idempotent by
 * `cilium version --client`; check mode on a fresh host plans the install and touches nothing; a
 * tarball that does not match its checksum installs nothing.
 */
const hosts = useHosts(1, { standIns: true });
const urls = () => hosts.fleet().standIns!.urls;
const params = () => ({ stableUrl: urls().ciliumCliStable, downloadUrl: urls().ciliumCliReleases.replace(/\/$/, '') });
const BIN = 'ls -l --time-style=+ /usr/local/bin; sha256sum /usr/local/bin/cilium 2>/dev/null; true';

describe.runIf(builtDoubles().has('cilium'))('ciliumCli on a fleet host', () => {
  it('check mode on a fresh host plans the stable release and touches nothing', async () => {
    const result = await proveCheckMode(ciliumCli, hosts.transport('node1'), params(), () => hosts.sh('node1', BIN));
    expect(result.changes.map((c) => c.summary)).toEqual([`install cilium-cli ${CILIUM_CLI_VERSION} (amd64, sha256 checked)`]);
  });

  it('installs the stable release, then changes nothing', async () => {
    // the cilium double runs on the lab's node runtime (a dependency of kubeadm's package in the lab)
    const t = hosts.transport('node1');
    await aptKey.run(t, { name: 'kubernetes-apt-keyring', url: urls().kubernetesAptKey });
    await aptRepository.run(t, { name: 'kubernetes', uri: urls().kubernetesApt, suite: '/', signedBy: '/etc/apt/keyrings/kubernetes-apt-keyring.gpg' });
    await apt.run(t, { name: ['meshbook-double-runtime'], updateCache: true });
    await proveIdempotent(ciliumCli, hosts.transport('node1'), params(), async () => {
      expect(await hosts.sh('node1', '/usr/local/bin/cilium version --client')).toContain(`cilium-cli: ${CILIUM_CLI_VERSION}`);
    });
  });

  it('a checksum that does not match installs nothing and says so', async () => {
    await hosts.sh('node1', 'rm -f /usr/local/bin/cilium');
    // a release directory of its own on the host, served by a local python http server, with a wrong .sha256sum
    await hosts.sh(
      'node1',
      `set -e; d=/srv/rel/${CILIUM_CLI_VERSION}; mkdir -p $d; curl -fsS -o $d/cilium-linux-amd64.tar.gz ${urls().ciliumCliReleases}${CILIUM_CLI_VERSION}/cilium-linux-amd64.tar.gz
       echo "0000000000000000000000000000000000000000000000000000000000000000  cilium-linux-amd64.tar.gz" > $d/cilium-linux-amd64.tar.gz.sha256sum
       (cd /srv && nohup python3 -m http.server 8099 --bind 127.0.0.1 >/dev/null 2>&1 &)
       # serving once it answers, not after a fixed pause a loaded machine may outlast
       until curl -fs -o /dev/null http://127.0.0.1:8099/rel/${CILIUM_CLI_VERSION}/cilium-linux-amd64.tar.gz.sha256sum; do sleep 0.1; done`,
    );
    const error = await ciliumCli.run(hosts.transport('node1'), { version: CILIUM_CLI_VERSION, downloadUrl: 'http://127.0.0.1:8099/rel' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/installing cilium-cli .* failed: checksum mismatch/);
    expect(await hosts.sh('node1', 'test -e /usr/local/bin/cilium && echo present || echo absent')).toBe('absent\n');
  });
});
