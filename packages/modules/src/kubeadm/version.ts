import { MeshbookError, defineFact, sh } from '@meshbook/engine';

/** The installed kubeadm, as `kubeadm version -o short` prints it; null when it is not installed. */
export type KubeadmVersion = { major: number; minor: number; patch: number; text: string } | null;

export const kubeadmVersion = defineFact<null, KubeadmVersion>({
  name: 'kubeadm.version',
  command: () => sh`command -v kubeadm >/dev/null 2>&1 || exit 127; kubeadm version -o short`,
  parse: (result) => {
    if (result.exitCode === 127) return null;
    const version = parseKubeadmVersion(result.stdout);
    if (result.exitCode !== 0 || !version) {
      throw new MeshbookError('COMMAND_FAILED', `kubeadm version -o short failed or printed no version (${result.stdout.trim() || result.stderr.trim()})`, {
        exitCode: result.exitCode,
        stderr: result.stderr,
      });
    }
    return version;
  },
});

export function parseKubeadmVersion(text: string): KubeadmVersion {
  const m = /^v?(\d+)\.(\d+)\.(\d+)\S*$/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: text.trim() } : null;
}

export type KubeadmApiVersion = 'kubeadm.k8s.io/v1beta3' | 'kubeadm.k8s.io/v1beta4';

/**
 * The configuration API a kubeadm reads: v1beta4 from 1.31 (v1beta3 is deprecated there and
 * still read), v1beta3 from 1.22 to 1.30. Older kubeadm reads neither.
 */
export function configApiVersion(version: NonNullable<KubeadmVersion>): KubeadmApiVersion {
  if (version.major !== 1 || version.minor < 22) {
    throw new MeshbookError('BAD_INPUT', `kubeadm ${version.text} is too old: meshbook writes kubeadm.k8s.io/v1beta3 (kubeadm 1.22-1.30) or v1beta4 (1.31+)`, {
      hint: 'install kubeadm 1.22 or newer',
    });
  }
  return version.minor >= 31 ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3';
}

/** The version to render for: the `kubeadmVersion` param when given, else the installed one. */
export function versionFor(param: string | undefined, installed: KubeadmVersion): KubeadmVersion {
  return param === undefined ? installed : parseKubeadmVersion(param);
}
