import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fleet } from '../../packages/fleet/src/index.ts';
import { mustCapture } from './shell.js';

/** Every file the workload writes, for the equivalence check between the tools. */
export const MANAGED_FILES = [
  '/etc/modules-load.d/k8s.conf',
  '/etc/sysctl.d/k8s.conf',
  '/etc/hosts',
  '/etc/containerd/config.toml',
  '/etc/crictl.yaml',
  '/etc/kubernetes/kubeadm-config.yaml',
  '/etc/wireguard/wg0.conf',
  '/etc/fstab',
  '/root/.bashrc',
  '/etc/default/kubelet',
  '/var/lib/kubelet/node-prepared',
];
const MANAGED_DIRECTORIES = ['/etc/containerd', '/etc/kubernetes', '/etc/kubernetes/manifests', '/var/lib/kubelet', '/opt/cni/bin', '/etc/wireguard'];

/** The drifted task: the marker file, removed on every host outside SSH before the drift re-run. */
export const DRIFTED_FILE = '/var/lib/kubelet/node-prepared';

const PYTHON_APT_DEBS = ['python3-apt', 'python-apt-common', 'distro-info-data'];

/**
 * Ansible's apt module needs python3-apt, which the host image lacks; on first contact Ansible would
 * apt-get update and install it from the network. Installed here from .debs the controller downloads
 * once from Debian's mirror, before any timing, on the hosts of both tools alike.
 */
export async function installPythonApt(fleet: Fleet, cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const have = async () => (await readdir(cacheDir)).filter((f) => f.endsWith('.deb'));
  if ((await have()).length < PYTHON_APT_DEBS.length) await mustCapture(['apt-get', 'download', ...PYTHON_APT_DEBS], { cwd: cacheDir });
  const debs = await have();
  await Promise.all(
    fleet.hosts.map(async (h) => {
      await mustCapture(['docker', 'exec', h.containerName, 'mkdir', '-p', '/tmp/bench-debs']);
      for (const deb of debs) await mustCapture(['docker', 'cp', join(cacheDir, deb), `${h.containerName}:/tmp/bench-debs/${deb}`]);
      const r = await fleet.exec(h.name, ['sh', '-c', 'dpkg -i /tmp/bench-debs/*.deb >/dev/null && rm -rf /tmp/bench-debs']);
      if (r.exitCode !== 0) throw new Error(`python3-apt on ${h.name}: ${r.stderr}`);
    }),
  );
}

export async function driftEveryHost(fleet: Fleet): Promise<void> {
  await Promise.all(
    fleet.hosts.map(async (h) => {
      const r = await fleet.exec(h.name, ['rm', '-f', DRIFTED_FILE]);
      if (r.exitCode !== 0) throw new Error(`drift on ${h.name}: ${r.stderr}`);
    }),
  );
}

/**
 * What the workload left on a host, with host-specific values normalised (the node's IP and name),
 * so one digest per tool can be compared: equal digests mean the same files, bytes and modes.
 */
export async function workloadDigest(fleet: Fleet, hostName: string): Promise<{ digest: string; listing: string }> {
  const host = fleet.host(hostName);
  const script = [
    ...MANAGED_FILES.map((f) => `echo "== ${f} $(stat -c %a ${f} 2>/dev/null)"; cat ${f} 2>/dev/null`),
    ...MANAGED_DIRECTORIES.map((d) => `echo "== ${d}/ $(stat -c %a ${d} 2>/dev/null)"`),
    'echo "== containerd $(systemctl is-active containerd) $(systemctl is-enabled containerd)"',
    'echo "== sysctl $(sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables | tr "\\n" " ")"',
  ].join('\n');
  const r = await fleet.exec(hostName, ['sh', '-c', script]);
  const listing = r.stdout.replaceAll(host.ip, '<node-ip>');
  return { digest: createHash('sha256').update(listing).digest('hex').slice(0, 16), listing };
}
