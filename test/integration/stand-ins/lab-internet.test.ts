import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { apt, aptKey, aptRepository, command, getUrl, unarchive } from '@meshbook/modules';
import { CILIUM_CLI_VERSION, HELM_PACKAGE_VERSION, KUBE_PACKAGE_VERSION, builtDoubles } from '@meshbook/fleet';
import { proveIdempotent, useHosts } from '../support/prove.js';

/**
 * Issue 14: the lab's own internet. A fleet with stand-ins; the hosts reach them over HTTPS by
 * name, trusting the lab CA, through the same modules and parameters the playbooks use against
 * pkgs.k8s.io, Helm's and Docker's apt repositories, GitHub releases and the chart repositories.
 */
const hosts = useHosts(2, { standIns: true });
const standIns = () => hosts.fleet().standIns!;
const urls = () => standIns().urls;
const t = (name: string) => hosts.transport(name);

const K8S_KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';
const HELM_KEYRING = '/etc/apt/keyrings/helm.gpg';
const DOCKER_KEYRING = '/etc/apt/keyrings/docker.gpg';
const k8sRepo = () => ({ name: 'kubernetes', uri: urls().kubernetesApt, suite: '/', signedBy: K8S_KEYRING });
const helmRepo = () => ({ name: 'helm-stable-debian', uri: urls().helmApt, suite: 'all', components: ['main'], arch: 'amd64', signedBy: HELM_KEYRING });

/** A command as a playbook task runs it (the command module), returning its stdout. */
async function run(host: string, argv: string[]): Promise<string> {
  const result = await command.run(t(host), { argv });
  return (result.output as { stdout: string }).stdout;
}

const doubles = builtDoubles();
const ciliumDouble = doubles.has('cilium');
const kubeDoubles = doubles.has('kubeadm') && doubles.has('kubelet');

describe('the stand-ins on a test fleet', () => {
  it('serve over HTTPS with the lab CA, which every host trusts (and nothing else does)', async () => {
    expect(standIns().hostname).toBe('stand-ins.meshbook.test');
    for (const host of ['node1', 'node2']) {
      expect(await hosts.sh(host, `curl -fsS ${urls().kubernetesAptKey}`)).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    }
    // Trusting only a public CA (not the lab's), the certificate is refused.
    const publicCa = (await hosts.sh('node1', 'ls /usr/share/ca-certificates/mozilla/*.crt | head -1')).trim();
    const untrusted = await hosts.fleet().exec('node1', ['curl', '-fsS', '--cacert', publicCa, '--capath', '/nonexistent', urls().kubernetesAptKey]);
    expect(untrusted.exitCode).toBe(60);
  });

  it('the Kubernetes key is dearmored into /etc/apt/keyrings and the repository added with signed-by, verified', async () => {
    await proveIdempotent(aptKey, t('node1'), { name: 'kubernetes-apt-keyring', url: urls().kubernetesAptKey }, async () => {
      // binary OpenPGP (dearmored), holding the lab's pkgs.k8s.io key
      expect(await hosts.sh('node1', `head -c 1 ${K8S_KEYRING} | od -An -tx1`)).not.toMatch(/2d/);
      expect(await hosts.sh('node1', `gpg --show-keys ${K8S_KEYRING}`)).toContain('meshbook lab pkgs.k8s.io');
    });
    await proveIdempotent(aptRepository, t('node1'), k8sRepo(), async () => {
      expect(await hosts.sh('node1', 'cat /etc/apt/sources.list.d/kubernetes.list')).toBe(
        `deb [signed-by=${K8S_KEYRING}] https://stand-ins.meshbook.test/pkgs.k8s.io/core:/stable:/v1.31/deb/ /\n`,
      );
      expect(await hosts.sh('node1', "apt-cache policy kubectl | sed -n 's/^ *Candidate: //p'")).toBe(`${KUBE_PACKAGE_VERSION}\n`);
    });
    expect(await standIns().requests('/pkgs.k8s.io/core:/stable:/v1.31/deb/InRelease')).toBeGreaterThanOrEqual(1);
  });

  it('kubectl installs at the pinned version and is held; it is the real kubectl', async () => {
    await proveIdempotent(apt, t('node1'), { name: [`kubectl=${KUBE_PACKAGE_VERSION}`], hold: true }, async () => {
      expect(await hosts.sh('node1', "dpkg-query -W -f='${Status} ${Version}' kubectl")).toBe(`hold ok installed ${KUBE_PACKAGE_VERSION}`);
      expect(await hosts.sh('node1', 'apt-mark showhold')).toBe('kubectl\n');
    });
    expect(await run('node1', ['kubectl', 'version', '--client'])).toMatch(/^Client Version: v1\.31\.9$/m);
  });

  const notBuilt = (what: string) => ` (skipped: ${what} not built by \`pnpm build\`; the lab serves no placeholder)`;

  it.skipIf(!kubeDoubles)(`kubelet kubeadm kubectl install at the pinned version and are held (seed step 000-07); kubeadm and kubelet are the doubles${kubeDoubles ? '' : notBuilt('the kubeadm and kubelet doubles are')}`, async () => {
    const pinned = ['kubelet', 'kubeadm', 'kubectl'].map((p) => `${p}=${KUBE_PACKAGE_VERSION}`);
    await proveIdempotent(apt, t('node1'), { name: pinned, hold: true }, async () => {
      expect(await hosts.sh('node1', "dpkg-query -W -f='${Package} ${Status} ${Version}\\n' kubelet kubeadm kubectl")).toBe(
        ['kubeadm', 'kubectl', 'kubelet'].map((p) => `${p} hold ok installed ${KUBE_PACKAGE_VERSION}\n`).join(''),
      );
      expect(await hosts.sh('node1', 'apt-mark showhold')).toBe('kubeadm\nkubectl\nkubelet\n');
    });
    expect(await hosts.sh('node1', "dpkg-query -W -f='${Status}' meshbook-double-runtime")).toBe('install ok installed');
    expect(await run('node1', ['kubeadm', 'version', '-o', 'short'])).toBe('v1.31.9\n');
    // The kubelet package enables its unit, with kubeadm's drop-in, as the real packages do.
    expect(await hosts.sh('node1', 'systemctl is-enabled kubelet; systemctl cat kubelet | grep -c 10-kubeadm.conf')).toBe('enabled\n1\n');
  });

  it('helm comes from the Helm-shaped repository (its own key) and is the real helm', async () => {
    await proveIdempotent(aptKey, t('node1'), { name: 'helm', url: urls().helmAptKey });
    expect(await hosts.sh('node1', `gpg --show-keys ${HELM_KEYRING}`)).toContain('meshbook lab helm');
    await proveIdempotent(aptRepository, t('node1'), helmRepo());
    await proveIdempotent(apt, t('node1'), { name: [`helm=${HELM_PACKAGE_VERSION}`] });
    expect(await run('node1', ['helm', 'version'])).toMatch(/Version:"v3\.17\.3"/);
  });

  it('helm repo add / update / search / template work against the chart repositories', async () => {
    expect(await run('node1', ['helm', 'repo', 'add', 'cilium', urls().ciliumCharts])).toContain('"cilium" has been added to your repositories');
    expect(await run('node1', ['helm', 'repo', 'add', 'cilium', urls().ciliumCharts])).toContain('"cilium" already exists with the same configuration, skipping');
    expect(await run('node1', ['helm', 'repo', 'add', 'metallb', urls().metallbCharts])).toContain('"metallb" has been added');
    expect(await run('node1', ['helm', 'repo', 'update'])).toMatch(/Successfully got an update from the "cilium" chart repository/);
    const search = await run('node1', ['helm', 'search', 'repo', 'cilium', '--versions']);
    expect(search).toMatch(/^cilium\/cilium\s+1\.16\.5\s+1\.16\.5/m);
    expect(search).toMatch(/^cilium\/cilium\s+1\.14\.4\s+1\.14\.4/m);
    expect(await run('node1', ['helm', 'search', 'repo', 'metallb/metallb', '--versions'])).toMatch(/^metallb\/metallb\s+0\.14\.9\s+v0\.14\.9/m);

    // The seed's cilium.yaml for Ayaka, rendered by the 1.14.4 chart.
    const values = await readFile(new URL('./fixtures/cilium-ayk-1.14.4.yaml', import.meta.url), 'utf8');
    await hosts.sh('node1', `cat > /root/cilium.yaml <<'EOF'\n${values}EOF`);
    const rendered = await run('node1', ['helm', 'template', 'cilium', 'cilium/cilium', '--version', '1.14.4', '-n', 'kube-system', '-f', '/root/cilium.yaml']);
    expect(rendered).toMatch(/^kind: DaemonSet\nmetadata:\n  name: cilium$/m);
    expect(rendered).toMatch(/^kind: Deployment\nmetadata:\n  name: cilium-operator$/m);
    expect(rendered).toMatch(/^kind: ConfigMap\nmetadata:\n  name: cilium-config$/m);
    expect(rendered).toContain('cluster-name: "cluster-ayk"');
    expect(rendered).toContain('cluster-id: "1"');
    expect(rendered).toContain('tunnel-protocol: "vxlan"');
    expect(rendered).toContain('kube-proxy-replacement: "strict"');
    expect(rendered).toContain('value: "jin-ayaka-master-1"');
    expect(rendered).toMatch(/^kind: Secret\nmetadata:\n  name: cilium-ca$/m);

    // The same values on 1.16.5 fail on the keys 1.15 removed; the renamed keys render.
    const old = await command.run(t('node1'), { argv: ['helm', 'template', 'cilium', 'cilium/cilium', '--version', '1.16.5', '-f', '/root/cilium.yaml'], okExitCodes: [0, 1] });
    expect((old.output as { stderr: string }).stderr).toContain('tunnel was deprecated in v1.14 and has been removed in v1.15');
    const mesh = await run('node1', [
      'helm', 'template', 'cilium', 'cilium/cilium', '--version', '1.16.5', '-n', 'kube-system',
      '--set', 'routingMode=tunnel', '--set', 'tunnelProtocol=vxlan', '--set', 'kubeProxyReplacement=true',
      '--set', 'cluster.name=cluster-kzh', '--set', 'cluster.id=2', '--set', 'clustermesh.useAPIServer=true', '--set', 'clustermesh.apiserver.service.type=NodePort',
    ]);
    expect(mesh).toMatch(/^kind: Deployment\nmetadata:\n  name: clustermesh-apiserver$/m);
    expect(mesh).toMatch(/^kind: Service\nmetadata:\n  name: clustermesh-apiserver\n[\s\S]*?type: NodePort/m);

    const metallb = await run('node1', ['helm', 'template', 'metallb', 'metallb/metallb', '-n', 'metallb-system']);
    expect(metallb).toContain('name: ipaddresspools.metallb.io');
    expect(metallb).toContain('name: l2advertisements.metallb.io');
    expect(metallb).toMatch(/^kind: Deployment\nmetadata:\n  name: metallb-controller$/m);
    expect(metallb).toMatch(/^kind: DaemonSet\nmetadata:\n  name: metallb-speaker$/m);
  });

  it('apt refuses a repository whose InRelease was tampered with, and the source file is put back', async () => {
    await aptKey.run(t('node2'), { name: 'kubernetes-apt-keyring', url: urls().kubernetesAptKey });
    const path = 'pkgs.k8s.io/core:/stable:/v1.31/deb/InRelease';
    const genuine = await hosts.sh('node1', `curl -fsS ${urls().kubernetesApt}InRelease`);
    // One hex digit of the signed Packages hash changed; the signature is left as it was.
    const tampered = genuine.replace(/^( [0-9a-f])/m, (m) => ` ${m[1] === '0' ? '1' : '0'}`);
    expect(tampered).not.toBe(genuine);
    await standIns().serve(path, tampered);
    try {
      const error = await aptRepository.run(t('node2'), k8sRepo()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      const { stdout = '', stderr = '' } = error as MeshbookError;
      expect(`${stderr}${stdout}`).toMatch(/BADSIG|signatures were invalid|is not signed/);
      expect(await hosts.sh('node2', 'test -e /etc/apt/sources.list.d/kubernetes.list && echo present || echo absent')).toBe('absent\n');
      expect(await hosts.sh('node2', "apt-cache policy kubectl | sed -n 's/^ *Candidate: //p'")).not.toContain(KUBE_PACKAGE_VERSION);
    } finally {
      await standIns().restore(path);
    }
    // Signed as served by the lab again, the same source is accepted.
    await aptRepository.run(t('node2'), k8sRepo());
    expect(await hosts.sh('node2', "apt-cache policy kubectl | sed -n 's/^ *Candidate: //p'")).toBe(`${KUBE_PACKAGE_VERSION}\n`);
  });

  it('a repository signed by another key than signed-by names is refused', async () => {
    await aptKey.run(t('node2'), { name: 'helm', url: urls().helmAptKey });
    const error = await aptRepository.run(t('node2'), { ...helmRepo(), signedBy: K8S_KEYRING }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    const { stdout = '', stderr = '' } = error as MeshbookError;
    expect(`${stderr}${stdout}`).toMatch(/NO_PUBKEY|is not signed/);
  });

  it("containerd.io comes from the Docker-shaped repository, in place of Debian's containerd", async () => {
    const codename = (await run('node2', ['sh', '-c', '. /etc/os-release && echo "$VERSION_CODENAME"'])).trim();
    await aptKey.run(t('node2'), { name: 'docker', url: urls().dockerAptKey });
    await aptRepository.run(t('node2'), { name: 'containerd', uri: urls().dockerApt, suite: codename, components: ['stable'], signedBy: DOCKER_KEYRING });
    await proveIdempotent(apt, t('node2'), { name: ['containerd.io'] }, async () => {
      expect(await hosts.sh('node2', "dpkg-query -W -f='${Status}' containerd.io")).toBe('install ok installed');
      expect(await hosts.sh('node2', "dpkg-query -W -f='${Status}' containerd 2>/dev/null || true")).not.toContain(' installed');
      expect(await run('node2', ['containerd', '--version'])).toMatch(/^containerd .*1\.6\.20/);
      expect(await run('node2', ['runc', '--version'])).toMatch(/^runc version 1\.1\.5/);
    });
  });

  it.skipIf(!ciliumDouble)(`cilium-cli: stable.txt, the tarball checked against its .sha256sum, then a wrong checksum refused${ciliumDouble ? '' : notBuilt('the cilium double is')}`, async () => {
    const version = (await run('node1', ['curl', '-fsSL', urls().ciliumCliStable])).trim();
    expect(version).toBe(CILIUM_CLI_VERSION);
    const release = `${urls().ciliumCliReleases}${version}/`;
    const sum = (await run('node1', ['curl', '-fsSL', `${release}cilium-linux-amd64.tar.gz.sha256sum`])).split(/\s+/)[0]!;
    const download = { url: `${release}cilium-linux-amd64.tar.gz`, dest: '/usr/local/src/cilium-linux-amd64.tar.gz', checksum: `sha256:${sum}` };
    await hosts.sh('node1', 'mkdir -p /usr/local/src');
    await proveIdempotent(getUrl, t('node1'), download);
    await unarchive.run(t('node1'), { src: download.dest, dest: '/usr/local/bin' });
    expect(await hosts.sh('node1', 'ls -l /usr/local/bin/cilium | cut -c1-10')).toBe('-rwxr-xr-x\n');
    // One executable, as in the real tarball; it runs on the doubles' node (pulled in by kubeadm).
    if (kubeDoubles) expect(await run('node1', ['cilium', 'version', '--client'])).toMatch(new RegExp(`^cilium-cli: ${CILIUM_CLI_VERSION} `, 'm'));

    // node2: the release's .sha256sum does not match the tarball: nothing is downloaded or installed.
    const path = `github.com/cilium/cilium-cli/releases/download/${version}/cilium-linux-amd64.tar.gz.sha256sum`;
    await standIns().serve(path, `${'0'.repeat(64)}  cilium-linux-amd64.tar.gz\n`);
    try {
      const wrong = (await run('node2', ['curl', '-fsSL', `${release}cilium-linux-amd64.tar.gz.sha256sum`])).split(/\s+/)[0]!;
      await hosts.sh('node2', 'mkdir -p /usr/local/src');
      await expect(getUrl.run(t('node2'), { ...download, checksum: `sha256:${wrong}` })).rejects.toThrow(/checksum|sha256/);
      expect(await hosts.sh('node2', 'ls -A /usr/local/src; ls /usr/local/bin')).toBe('');
    } finally {
      await standIns().restore(path);
    }
  });
});
