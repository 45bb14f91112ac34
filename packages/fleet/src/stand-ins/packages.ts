import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { doublesBinDir } from '@meshbook/doubles';
import type { KubeClients } from '../kube-clients.js';
import type { DebSpec } from './deb.js';
import { HELM_PACKAGE_VERSION, KUBE_PACKAGE_VERSION } from './site-layout.js';

/** Where the doubles and their node live on a host. */
export const DOUBLES_LIB = '/usr/lib/meshbook-doubles';
export const RUNTIME_PACKAGE = 'meshbook-double-runtime';

/**
 * The built executables. Tests import @meshbook/doubles from its sources (vitest's alias), where
 * `doublesBinDir` names src/bin; the executables are always built into dist/bin.
 */
const executablesDir = doublesBinDir.replace(/([/\\])src([/\\])bin$/, '$1dist$2bin');
/** Unit files the doubles ship: packages/doubles/systemd. */
const doublesSystemdDir = join(executablesDir, '..', '..', 'systemd');

/** The built doubles, by name (`<name>.cjs` in @meshbook/doubles' dist/bin). */
export function builtDoubles(): Map<string, string> {
  if (!existsSync(executablesDir)) return new Map();
  return new Map(
    readdirSync(executablesDir)
      .filter((f) => f.endsWith('.cjs'))
      .map((f) => [f.slice(0, -'.cjs'.length), join(executablesDir, f)]),
  );
}

/** A unit file the doubles ship (packages/doubles/systemd/<path>), when they provide one. */
export function doublesUnitFile(path: string): string | null {
  const file = join(doublesSystemdDir, path);
  return existsSync(file) ? file : null;
}

export const KUBELET_UNIT = 'kubelet.service';
export const KUBEADM_DROP_IN = 'kubelet.service.d/10-kubeadm.conf';
const UNIT_DIR = '/usr/lib/systemd/system';

const SYSTEMD_RELOAD = '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi\n';
const KUBELET_POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl enable kubelet.service >/dev/null 2>&1 || true
  systemctl restart kubelet.service || true
fi
`;
const KUBELET_PRERM = `#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now kubelet.service >/dev/null 2>&1 || true
fi
`;

const wrapper = (name: string) => `#!/bin/sh\nexec ${DOUBLES_LIB}/node ${DOUBLES_LIB}/${name}.cjs "$@"\n`;

/** A double's executable and its /usr/bin wrapper. */
function doubleFiles(name: string, cjs: string): DebSpec['files'] {
  return [
    { path: `${DOUBLES_LIB}/${name}.cjs`, from: cjs, mode: 0o644 },
    { path: `/usr/bin/${name}`, text: wrapper(name), mode: 0o755 },
  ];
}

const DOUBLE_NOTE = 'This is a meshbook lab double, not the real program: see the meshbook README, "What runs for real".';

/**
 * The .debs of the pkgs.k8s.io stand-in: kubectl (real), and kubeadm and kubelet (doubles, only
 * when built: a package whose double does not exist yet is not in the repository at all).
 */
export function kubernetesPackages(clients: KubeClients, doubles: Map<string, string>): DebSpec[] {
  const packages: DebSpec[] = [
    {
      name: 'kubectl',
      version: KUBE_PACKAGE_VERSION,
      description: 'Command-line utility for interacting with a Kubernetes cluster\nThe real kubectl v1.31.9 (linux-amd64).',
      homepage: 'https://kubernetes.io',
      files: [{ path: '/usr/bin/kubectl', from: clients.kubectl, mode: 0o755 }],
    },
  ];
  const kubeadm = doubles.get('kubeadm');
  if (kubeadm) {
    const apiserver = doubles.get('kube-apiserver');
    const dropIn = doublesUnitFile(KUBEADM_DROP_IN);
    packages.push({
      name: 'kubeadm',
      version: KUBE_PACKAGE_VERSION,
      description: `Command-line utility for administering a Kubernetes cluster\n${DOUBLE_NOTE}`,
      homepage: 'https://kubernetes.io',
      depends: [RUNTIME_PACKAGE],
      files: [
        ...doubleFiles('kubeadm', kubeadm),
        ...(apiserver ? doubleFiles('kube-apiserver', apiserver) : []),
        // as the real kubeadm package: the kubelet's drop-in with kubeadm's flags and files
        ...(dropIn ? [{ path: `${UNIT_DIR}/${KUBEADM_DROP_IN}`, from: dropIn, mode: 0o644 }] : []),
      ],
      ...(dropIn ? { scripts: { postinst: SYSTEMD_RELOAD } } : {}),
    });
  }
  const kubelet = doubles.get('kubelet');
  if (kubelet) {
    const unit = doublesUnitFile(KUBELET_UNIT);
    packages.push({
      name: 'kubelet',
      version: KUBE_PACKAGE_VERSION,
      description: `Node agent for Kubernetes clusters\n${DOUBLE_NOTE}`,
      homepage: 'https://kubernetes.io',
      depends: [RUNTIME_PACKAGE],
      files: [...doubleFiles('kubelet', kubelet), ...(unit ? [{ path: `${UNIT_DIR}/${KUBELET_UNIT}`, from: unit, mode: 0o644 }] : [])],
      // Like the real package: the kubelet is enabled and started at install, and crash-loops
      // until kubeadm init/join gives it a configuration.
      ...(unit ? { scripts: { postinst: KUBELET_POSTINST, prerm: KUBELET_PRERM, postrm: SYSTEMD_RELOAD } } : {}),
    });
  }
  return packages;
}

/** The node every double runs on: a copy of the controller's (Debian 12 glibc, like the hosts). */
export function runtimePackage(): DebSpec {
  return {
    name: RUNTIME_PACKAGE,
    version: `${process.versions.node}-1`,
    description: `Node.js ${process.version} for the meshbook lab's doubles\nThe controller's own node binary, installed privately in ${DOUBLES_LIB}; nothing else uses it.`,
    depends: ['libc6 (>= 2.28)', 'libstdc++6', 'libgcc-s1'],
    files: [{ path: `${DOUBLES_LIB}/node`, from: process.execPath, mode: 0o755 }],
  };
}

export function helmPackage(clients: KubeClients): DebSpec {
  return {
    name: 'helm',
    version: HELM_PACKAGE_VERSION,
    description: 'The Kubernetes Package Manager\nThe real helm v3.17.3 (linux-amd64).',
    homepage: 'https://helm.sh',
    files: [{ path: '/usr/bin/helm', from: clients.helm, mode: 0o755 }],
  };
}

/**
 * The cilium-cli tarball's one member: the cilium double as a single file that is both a shell
 * script and the double's JavaScript (`':' //;` is a no-op to sh and a string plus a comment to
 * node), so the seed's `tar xzvfC … /usr/local/bin` installs one executable, as with the real
 * tarball. It runs on the runtime package's node, which the kubeadm package pulls in.
 */
export function ciliumExecutable(cjsSource: string): string {
  const body = cjsSource.replace(/^#!.*\n/, '');
  return (
    "#!/bin/sh\n':' //; [ -x " + DOUBLES_LIB + "/node ] || { echo 'cilium (meshbook lab double): needs the " + RUNTIME_PACKAGE +
    " package from the lab apt repository' >&2; exit 127; }; exec " + DOUBLES_LIB + '/node "$0" "$@"\n' + body
  );
}
