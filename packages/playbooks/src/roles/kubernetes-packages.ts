import { resultRef, task, type HostContext } from '@meshbook/engine';
import { apt, aptKey, aptRepository } from '@meshbook/modules';
import { kubernetesPackageVars, type KubernetesPackageVars } from '../clustermesh/vars.js';
import type { Role } from './role.js';

type Host = HostContext<KubernetesPackageVars>;

/** Registered by the install, so later tasks (kubeadm) plan as known after apply while it is still to come. */
export const kubernetesPackagesInstalled = resultRef<undefined>('kubernetes_packages_installed');

const keyName = (keyring: string) => keyring.replace(/^.*\//, '').replace(/\.gpg$/, '');

/** The Kubernetes apt repository for the inventory's minor version, signed by its key. */
function kubernetesAptSource() {
  return [
    task(aptKey, (host: Host) => ({ name: keyName(host.vars.kubernetes_apt_keyring), url: host.vars.kubernetes_apt_key_url }), {
      name: "Kubernetes apt key (pkgs.k8s.io), dearmored into /etc/apt/keyrings",
    }),
    task(
      aptRepository,
      (host: Host) => ({ name: 'kubernetes', uri: host.vars.kubernetes_apt_url, suite: '/', signedBy: host.vars.kubernetes_apt_keyring }),
      { name: 'Kubernetes apt repository for the minor version' },
    ),
  ];
}

/**
 * Seed 000-07: the Kubernetes apt repository (pkgs.k8s.io, one per minor version: the seed's
 * apt.kubernetes.io is gone since 2023) signed by its key, kubelet kubeadm kubectl at the
 * inventory's version and held, and the seed's extra packages.
 */
export function kubernetesPackagesRole(): Role {
  return {
    name: 'kubernetes-packages',
    vars: kubernetesPackageVars,
    tasks: [
      task(apt, (host: Host) => ({ name: host.vars.kubernetes_extra_packages, state: 'present' as const, updateCache: true }), {
        name: 'apt-transport-https vim git curl wget installed',
      }),
      ...kubernetesAptSource(),
      task(
        apt,
        (host: Host) => ({
          name: ['kubelet', 'kubeadm', 'kubectl'].map((p) => `${p}=${host.vars.kubernetes_package_version}`),
          state: 'present' as const,
          hold: true,
          updateCache: true,
        }),
        { name: 'kubelet kubeadm kubectl installed at the pinned version and held', register: kubernetesPackagesInstalled },
      ),
    ],
  };
}

/**
 * kubectl alone from the Kubernetes apt repository, at the inventory's version and held: where
 * the cluster is not kubeadm's (seed 004's RKE nodes) but the steps and checks use kubectl there.
 */
export function kubectlRole(): Role {
  return {
    name: 'kubectl',
    vars: kubernetesPackageVars,
    tasks: [
      ...kubernetesAptSource(),
      task(apt, (host: Host) => ({ name: [`kubectl=${host.vars.kubernetes_package_version}`], state: 'present' as const, hold: true, updateCache: true }), {
        name: 'kubectl installed at the pinned version and held',
      }),
    ],
  };
}
