import { join } from 'node:path';

/**
 * Where kubeadm and the kubelet keep things on a host. `root` is `/` on hosts; unit tests point it
 * at a temp dir so the phases can write the same tree there.
 */
export interface Layout {
  root: string;
  kubernetesDir: string;
  pkiDir: string;
  manifestsDir: string;
  kubeletDir: string;
  etcdDataDir: string;
  systemdDir: string;
  /** Where the lab's packages put the doubles and their node runtime. */
  doublesDir: string;
  adminConf: string;
  superAdminConf: string;
  kubeletConf: string;
  bootstrapKubeletConf: string;
}

export function hostLayout(root = '/', certificatesDir = '/etc/kubernetes/pki', etcdDataDir = '/var/lib/etcd'): Layout {
  const at = (p: string) => join(root, p);
  const kubernetesDir = at('/etc/kubernetes');
  return {
    root,
    kubernetesDir,
    pkiDir: at(certificatesDir),
    manifestsDir: join(kubernetesDir, 'manifests'),
    kubeletDir: at('/var/lib/kubelet'),
    etcdDataDir: at(etcdDataDir),
    systemdDir: at('/etc/systemd/system'),
    doublesDir: at('/usr/lib/meshbook-doubles'),
    adminConf: join(kubernetesDir, 'admin.conf'),
    superAdminConf: join(kubernetesDir, 'super-admin.conf'),
    kubeletConf: join(kubernetesDir, 'kubelet.conf'),
    bootstrapKubeletConf: join(kubernetesDir, 'bootstrap-kubelet.conf'),
  };
}
