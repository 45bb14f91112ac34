// The cilium double on fleet hosts, as the lab's cilium-cli tarball holds it: one executable file
// in /usr/local/bin run by the lab's node runtime (installed with the kubeadm doubles).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { build } from 'esbuild';
import type { Fleet } from '@meshbook/fleet';

const run = promisify(execFile);

export async function installCilium(fleet: Fleet, hosts: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cilium-double-'));
  try {
    const cjs = join(dir, 'cilium.cjs');
    await build({ absWorkingDir: resolve(import.meta.dirname, '../../../packages/doubles'), entryPoints: ['src/bin/cilium.ts'], outfile: cjs, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' });
    const body = readFileSync(cjs, 'utf8').replace(/^#!.*\n/, '');
    mkdirSync(join(dir, 'root/usr/local/bin'), { recursive: true });
    writeFileSync(join(dir, 'root/usr/local/bin/cilium'), `#!/bin/sh\n':' //; exec /usr/lib/meshbook-doubles/node "$0" "$@"\n${body}`, { mode: 0o755 });
    await run('tar', ['-C', join(dir, 'root'), '--owner=0', '--group=0', '-cf', join(dir, 'cilium.tar'), 'usr']);
    const tar = readFileSync(join(dir, 'cilium.tar'));
    for (const host of hosts) await new Docker().getContainer(fleet.host(host).containerId).putArchive(tar, { path: '/' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
