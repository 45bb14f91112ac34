// Installs the lab's kubeadm, kubelet and kube-apiserver doubles on fleet hosts, laid out as the
// lab's .debs will lay them out (/usr/lib/meshbook-doubles/{node,*.cjs}, /usr/bin wrappers, the
// kubelet unit and kubeadm's drop-in, kubelet enabled). Stands in for `apt install kubeadm kubelet`
// until the lab's apt repository lands; then this file is replaced by that.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { build } from 'esbuild';
import { kubeClients, type Fleet } from '@meshbook/fleet';

const run = promisify(execFile);
const doublesDir = resolve(import.meta.dirname, '../../../packages/doubles');
const DOUBLES = ['kubeadm', 'kubelet', 'kube-apiserver'] as const;

/** A staging tree (the files the packages would install) built once per test file from the sources. */
export async function stageDoubles(): Promise<{ dir: string; tarball: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshbook-doubles-'));
  const root = join(dir, 'root');
  const lib = join(root, 'usr/lib/meshbook-doubles');
  mkdirSync(lib, { recursive: true });
  for (const name of DOUBLES) {
    await build({
      absWorkingDir: doublesDir, entryPoints: [join('src/bin', `${name}.ts`)], outfile: join(lib, `${name}.cjs`),
      bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error',
    });
  }
  // the controller's own node runtime (Debian bookworm, like the hosts), as the lab ships one
  copyFileSync(process.execPath, join(lib, 'node'));
  chmodSync(join(lib, 'node'), 0o755);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  for (const name of ['kubeadm', 'kubelet']) {
    writeFileSync(join(root, 'usr/bin', name), `#!/bin/sh\nexec /usr/lib/meshbook-doubles/node /usr/lib/meshbook-doubles/${name}.cjs "$@"\n`, { mode: 0o755 });
  }
  const units = join(root, 'usr/lib/systemd/system');
  mkdirSync(join(units, 'kubelet.service.d'), { recursive: true });
  copyFileSync(join(doublesDir, 'systemd/kubelet.service'), join(units, 'kubelet.service'));
  copyFileSync(join(doublesDir, 'systemd/kubelet.service.d/10-kubeadm.conf'), join(units, 'kubelet.service.d/10-kubeadm.conf'));
  // the real kubectl, so tests can drive it on the host against the API server double
  copyFileSync((await kubeClients()).kubectl, join(root, 'usr/bin/kubectl'));
  chmodSync(join(root, 'usr/bin/kubectl'), 0o755);
  const tarball = join(dir, 'doubles.tar');
  await run('tar', ['-C', root, '--owner=0', '--group=0', '-cf', tarball, 'usr']);
  return { dir, tarball, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Unpacks the staged tree into the host and enables the kubelet, as the packages' postinst does. */
export async function installDoubles(fleet: Fleet, host: string, tarball: string): Promise<void> {
  const container = new Docker().getContainer(fleet.host(host).containerId);
  await container.putArchive(readFileSync(tarball), { path: '/' });
  const result = await fleet.exec(host, ['sh', '-c', 'systemctl daemon-reload && systemctl enable --now kubelet']);
  if (result.exitCode !== 0) throw new Error(`enabling the kubelet on ${host} failed: ${result.stderr}`);
}
