import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APISERVER_UNIT } from './control-plane.js';
import { systemctlQuiet } from './host.js';
import type { Output } from './init.js';
import type { Layout } from './layout.js';

function emptyDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** `kubeadm reset -f`: stops what init or join started and deletes what they wrote. */
export function reset(layout: Layout, io: Output): void {
  const shown = (p: string) => `/${relative(layout.root, p)}`;
  io.out('[preflight] Running pre-flight checks');
  const isControlPlane = existsSync(join(layout.systemdDir, APISERVER_UNIT));
  if (isControlPlane) {
    // the static pod's stand-in goes with its manifest
    systemctlQuiet('disable', '--now', APISERVER_UNIT);
    rmSync(join(layout.systemdDir, APISERVER_UNIT), { force: true });
    systemctlQuiet('daemon-reload');
  }
  if (existsSync(layout.etcdDataDir)) {
    emptyDir(layout.etcdDataDir);
    io.out(`[reset] Deleted contents of the etcd data directory: ${shown(layout.etcdDataDir)}`);
  }
  io.out('[reset] Stopping the kubelet service');
  systemctlQuiet('stop', 'kubelet');
  io.out(`[reset] Unmounting mounted directories in "${shown(layout.kubeletDir)}"`);
  const dirs = [layout.manifestsDir, layout.kubeletDir, layout.pkiDir];
  io.out(`[reset] Deleting contents of directories: [${dirs.map(shown).join(' ')}]`);
  for (const dir of dirs) emptyDir(dir);
  const files = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'bootstrap-kubelet.conf', 'controller-manager.conf', 'scheduler.conf']
    .map((f) => join(layout.kubernetesDir, f));
  io.out(`[reset] Deleting files: [${files.map(shown).join(' ')}]`);
  for (const file of files) rmSync(file, { force: true });
  io.out('');
  io.out('The reset process does not perform cleanup of CNI plugin configuration,');
  io.out('network filtering rules and kubeconfig files.');
  io.out('');
  io.out('For information on how to perform this, please refer to the documentation:');
  io.out('https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/');
  io.out('');
  io.out('The reset process does not clean your kubeconfig files and you must remove them manually.');
  io.out('Please, check the contents of the $HOME/.kube/config file.');
}
