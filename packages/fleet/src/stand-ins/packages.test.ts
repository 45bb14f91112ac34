import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from './deb.js';
import { packagesStanza, writePackages, writeRelease } from './apt-index.js';
import { DOUBLES_LIB, ciliumExecutable, kubernetesPackages } from './packages.js';

const run = promisify(execFile);
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbook-stand-ins-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const clients = { kubectl: '/bin/true', helm: '/bin/true' };

describe('the pkgs.k8s.io packages', () => {
  it('carry only the doubles that are built: kubectl alone without them', () => {
    expect(kubernetesPackages(clients, new Map()).map((p) => p.name)).toEqual(['kubectl']);
  });

  it('kubeadm carries kubeadm and kube-apiserver behind /usr/bin wrappers and needs the runtime', () => {
    const doubles = new Map([['kubeadm', '/x/kubeadm.cjs'], ['kube-apiserver', '/x/kube-apiserver.cjs'], ['kubelet', '/x/kubelet.cjs']]);
    const kubeadm = kubernetesPackages(clients, doubles).find((p) => p.name === 'kubeadm')!;
    expect(kubeadm.version).toBe('1.31.9-1.1');
    expect(kubeadm.depends).toEqual(['meshbook-double-runtime']);
    expect(kubeadm.files.map((f) => f.path)).toEqual(expect.arrayContaining(['/usr/bin/kubeadm', `${DOUBLES_LIB}/kubeadm.cjs`, '/usr/bin/kube-apiserver', `${DOUBLES_LIB}/kube-apiserver.cjs`]));
    expect(kubeadm.files.find((f) => f.path === '/usr/bin/kubeadm')!.text).toBe(
      `#!/bin/sh\nexec ${DOUBLES_LIB}/node ${DOUBLES_LIB}/kubeadm.cjs "$@"\n`,
    );
  });
});

describe('a .deb built with dpkg-deb', () => {
  it('has the control fields, root-owned files with their modes, and a Packages stanza apt can use', async () => {
    const tool = join(dir, 'tool');
    await writeFile(tool, '#!/bin/sh\necho hi\n');
    const deb = await buildDeb(
      { name: 'meshbook-test', version: '1.2.3-1', description: 'a test\nwith a second line', depends: ['libc6'], files: [{ path: '/usr/bin/tool', from: tool, mode: 0o755 }] },
      dir,
    );
    expect(deb).toBe(join(dir, 'meshbook-test_1.2.3-1_amd64.deb'));
    const fields = (await run('dpkg-deb', ['--field', deb])).stdout;
    expect(fields).toMatch(/^Package: meshbook-test$/m);
    expect(fields).toMatch(/^Version: 1\.2\.3-1$/m);
    expect(fields).toMatch(/^Depends: libc6$/m);
    expect(fields).toMatch(/^Description: a test\n with a second line$/m);
    expect((await run('dpkg-deb', ['--contents', deb])).stdout).toMatch(/^-rwxr-xr-x root\/root +\d+ .* \.\/usr\/bin\/tool$/m);

    const stanza = await packagesStanza(deb, dir);
    expect(stanza).toMatch(/^Filename: meshbook-test_1\.2\.3-1_amd64\.deb$/m);
    expect(stanza).toMatch(/^SHA256: [0-9a-f]{64}$/m);
    const indexes = await writePackages(dir, [stanza]);
    const release = await run('cat', [await writeRelease(dir, { origin: 'o', label: 'l', description: 'd' }, indexes)]);
    const sha = (await run('sha256sum', [join(dir, 'Packages')])).stdout.split(' ')[0];
    expect(release.stdout).toContain(` ${sha} ${stanza.length} Packages\n`);
  });
});

describe('the cilium executable', () => {
  it('is one file that node runs as the double, and that sh refuses clearly without the runtime', async () => {
    const file = join(dir, 'cilium');
    await writeFile(file, ciliumExecutable('#!/usr/bin/env node\n"use strict";\nconsole.log("args", process.argv.slice(2).join(" "));\n'), { mode: 0o755 });
    expect((await run(process.execPath, [file, 'version', '--client'])).stdout).toBe('args version --client\n');
    const refused = await run('sh', [file, 'version']).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(refused?.code).toBe(127);
    expect(refused?.stderr).toContain('needs the meshbook-double-runtime package');
  });
});
