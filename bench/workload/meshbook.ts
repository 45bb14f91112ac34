// The benchmark workload, meshbook side: seed 000's node preparation before Kubernetes is installed.
// ansible.yaml next to this file does the same work (same files, same bytes); keep them in step.
//   npx meshbook run bench/workload/meshbook.ts -i <inventory written by bench/run.ts>
import { fileURLToPath } from 'node:url';
import { definePlaybook, handler, resultRef, task, type HostContext } from '@meshbook/engine';
import { apt, command, copy, file, hosts, lineinfile, modprobe, sysctl, systemd, template, type CommandOutput } from '@meshbook/modules';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const RESTART_CONTAINERD = 'restart containerd';
const containerdDefaults = resultRef<CommandOutput>('containerd_default_config');

/** The inventory's bench_* variables, as strings (the template and lines are text). */
const benchVar = (host: HostContext, name: string) => String(host.vars[name]);

/** `containerd config default` with the systemd cgroup driver; the same text substitution as Ansible's. */
const containerdConfig = (host: HostContext) =>
  `${host.output(containerdDefaults).stdout.replace(/\n+$/, '').replaceAll('SystemdCgroup = false', 'SystemdCgroup = true')}\n`;

const directory = (path: string, mode = '0755') =>
  task(file, { path, state: 'directory', mode }, { name: `directory ${path}` });

export default definePlaybook({
  name: 'bench: node preparation',
  plays: [
    {
      name: 'node preparation (seed 000 pre-installation)',
      hosts: 'bench_nodes',
      tasks: [
        task(modprobe, { name: ['overlay', 'br_netfilter'], persist: 'k8s.conf' }, { name: 'overlay and br_netfilter loaded and persisted' }),
        task(
          sysctl,
          {
            values: { 'net.bridge.bridge-nf-call-iptables': '1', 'net.bridge.bridge-nf-call-ip6tables': '1', 'net.ipv4.ip_forward': '1' },
            file: 'k8s.conf',
          },
          { name: 'bridge and forwarding sysctls in /etc/sysctl.d/k8s.conf' },
        ),
        task(
          hosts,
          { name: 'cluster-upstream', entries: [{ ip: '10.0.0.11', names: ['bench-master-1'] }, { ip: '10.0.0.12', names: ['bench-worker-1'] }] },
          { name: 'own cluster in /etc/hosts' },
        ),
        task(
          hosts,
          { name: 'clustermesh-wg0', entries: [{ ip: '10.7.0.31', names: ['other-master-1'] }, { ip: '10.7.0.32', names: ['other-worker-1'] }] },
          { name: 'other cluster in /etc/hosts' },
        ),
        task(apt, { name: ['containerd', 'curl', 'wireguard-tools'], state: 'present' }, { name: 'packages present' }),
        directory('/etc/containerd'),
        task(command, { argv: ['containerd', 'config', 'default'], readOnly: true }, { name: 'containerd default config (read-only)', register: containerdDefaults }),
        task(copy, (host) => ({ dest: '/etc/containerd/config.toml', content: containerdConfig(host), mode: '0644' }), {
          name: 'containerd config with SystemdCgroup = true',
          notify: [RESTART_CONTAINERD],
        }),
        task(copy, { dest: '/etc/crictl.yaml', content: 'runtime-endpoint: unix:///run/containerd/containerd.sock\nimage-endpoint: unix:///run/containerd/containerd.sock\ntimeout: 10\n', mode: '0644' }, { name: 'crictl talks to containerd' }),
        task(systemd, { name: 'containerd', state: 'started', enabled: true }, { name: 'containerd running and enabled' }),
        directory('/etc/kubernetes'),
        directory('/etc/kubernetes/manifests'),
        directory('/var/lib/kubelet'),
        directory('/opt/cni/bin'),
        directory('/etc/wireguard', '0700'),
        task(
          template,
          (host) => ({
            dest: '/etc/kubernetes/kubeadm-config.yaml',
            src: here('./templates/kubeadm-config.yaml.tmpl'),
            vars: Object.fromEntries(['bench_node_ip', 'bench_node_name', 'bench_cluster_name', 'bench_pod_cidr', 'bench_service_cidr'].map((v) => [v, benchVar(host, v)])),
            mode: '0644',
          }),
          { name: 'kubeadm config' },
        ),
        task(copy, { dest: '/etc/wireguard/wg0.conf', src: here('./files/wg0.conf'), mode: '0600' }, { name: 'WireGuard config' }),
        task(lineinfile, { path: '/etc/fstab', line: 'tmpfs /var/lib/kubelet/scratch tmpfs defaults,size=16m 0 0', create: true }, { name: 'kubelet scratch in fstab' }),
        task(lineinfile, { path: '/etc/fstab', regexp: '^[^#].*\\sswap\\s', state: 'absent' }, { name: 'no swap in fstab' }),
        task(lineinfile, { path: '/root/.bashrc', line: 'export KUBECONFIG=/etc/kubernetes/admin.conf' }, { name: 'KUBECONFIG in root bashrc' }),
        task(lineinfile, (host) => ({ path: '/etc/default/kubelet', line: `KUBELET_EXTRA_ARGS=--node-ip=${benchVar(host, 'bench_node_ip')}`, create: true, mode: '0644' }), {
          name: 'kubelet node IP',
        }),
        task(command, { argv: ['wg', '--version'], readOnly: true }, { name: 'wireguard-tools version (read-only)' }),
        task(copy, { dest: '/var/lib/kubelet/node-prepared', content: 'seed 000 pre-installation done\n', mode: '0644' }, { name: 'node prepared marker' }),
      ],
      handlers: [handler(RESTART_CONTAINERD, systemd, { name: 'containerd', state: 'restarted' })],
    },
  ],
});
