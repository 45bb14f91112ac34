/**
 * Where each real place of the seeds lives on the stand-ins server: one HTTPS name, and under it
 * one directory per real host name, so every path keeps its real shape
 * (`https://<name>/pkgs.k8s.io/core:/stable:/v1.31/deb/InRelease`). Nothing here depends on the
 * name, so the built content is cached once for every lab and fleet.
 */

/** The stand-ins' DNS name on every network of the lab or fleet (a Docker network alias). */
export const STAND_INS_HOSTNAME = 'stand-ins.meshbook.test';

/** The package versions, as pkgs.k8s.io and Helm's repository name them. */
export const KUBE_PACKAGE_VERSION = '1.31.9-1.1';
export const HELM_PACKAGE_VERSION = '3.17.3-1';
/** What `stable.txt` names; the tarball under this release holds the cilium double. */
export const CILIUM_CLI_VERSION = 'v0.16.22';
export const CILIUM_CHART_VERSIONS = ['1.14.4', '1.16.5'] as const;
export const METALLB_CHART_VERSIONS = ['0.13.12', '0.14.9'] as const;

/** The distribution Docker's repository is served for: the hosts' own (Debian 12). */
export const DOCKER_SUITE = 'bookworm';

/** Paths under the server root (no leading slash). Directories end in '/'. */
export const PATHS = {
  /** Flat repository: `deb [signed-by=…] URL /`, key at `Release.key`. */
  kubernetesApt: 'pkgs.k8s.io/core:/stable:/v1.31/deb/',
  kubernetesAptKey: 'pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key',
  /** `deb [signed-by=…] URL all main`, key at `baltocdn.com/helm/signing.asc`. */
  helmApt: 'baltocdn.com/helm/stable/debian/',
  helmAptKey: 'baltocdn.com/helm/signing.asc',
  /** `deb [signed-by=…] URL bookworm stable`, key at `<URL>/gpg` (the containerd role's shape). */
  dockerApt: 'download.docker.com/linux/debian',
  dockerAptKey: 'download.docker.com/linux/debian/gpg',
  ciliumCliStable: 'raw.githubusercontent.com/cilium/cilium-cli/main/stable.txt',
  /** `<this>/<version>/cilium-linux-amd64.tar.gz` and `.sha256sum`. */
  ciliumCliReleases: 'github.com/cilium/cilium-cli/releases/download/',
  ciliumCharts: 'helm.cilium.io/',
  metallbCharts: 'metallb.github.io/metallb/',
} as const;

/** Every place as a full URL on the server `https://<hostname>/`. */
export type StandInUrls = { [K in keyof typeof PATHS]: string };

export function standInUrls(hostname = STAND_INS_HOSTNAME): StandInUrls {
  return Object.fromEntries(Object.entries(PATHS).map(([key, path]) => [key, `https://${hostname}/${path}`])) as StandInUrls;
}
