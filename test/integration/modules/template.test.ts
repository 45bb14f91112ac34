import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshbookError, Secret } from '@meshbook/engine';
import { template } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);

const KUBEADM = `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
controlPlaneEndpoint: "{{endpoint}}:6443"
networking:
  podSubnet: {{podSubnet}}
{{#each sans}}
  - {{this}}
{{/each}}
`;

describe('template on a real host', () => {
  it('src template rendered on the controller, written, unchanged on re-apply', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-tpl-'));
    await writeFile(join(dir, 'kubeadm.yaml.hbs'), KUBEADM);
    const params = { src: join(dir, 'kubeadm.yaml.hbs'), dest: '/etc/kubeadm.yaml', vars: { endpoint: '10.0.0.10', podSubnet: '10.244.0.0/16', sans: ['a & b', '<c>'] }, mode: '0600' };
    await proveIdempotent(template, t(), params, async () => {
      expect(await hosts.sh(H, 'cat /etc/kubeadm.yaml; stat -c %a /etc/kubeadm.yaml')).toBe(
        'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: "10.0.0.10:6443"\nnetworking:\n  podSubnet: 10.244.0.0/16\n  - a & b\n  - <c>\n600\n',
      );
    });
    await proveOneRoundTrip(template, t(), params);
    const diff = await applyWithDiff(template, t(), { ...params, vars: { ...params.vars, podSubnet: '10.42.0.0/16' } });
    expect(diff).toContain('-  podSubnet: 10.244.0.0/16\n+  podSubnet: 10.42.0.0/16');
  });

  it('an undefined variable fails naming it, the template and the line, and nothing is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-tpl-'));
    await writeFile(join(dir, 'kubeadm.yaml.hbs'), KUBEADM);
    const error = await template.run(t(), { src: join(dir, 'kubeadm.yaml.hbs'), dest: '/etc/never.yaml', vars: { endpoint: 'x', sans: [] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).message).toBe(`template ${join(dir, 'kubeadm.yaml.hbs')}: undefined variable "podSubnet" at line 5, column 16`);
    expect(await hosts.sh(H, 'test -e /etc/never.yaml && echo present || echo absent')).toBe('absent\n');
  });

  it('check mode on a fresh path reports the rendered file and writes nothing', async () => {
    const r = await proveCheckMode(template, t(), { template: 'port={{port}}\n', vars: { port: 8080 }, dest: '/etc/fresh.conf' }, () =>
      hosts.sh(H, 'test -e /etc/fresh.conf && echo present || echo absent'),
    );
    expect(r.diff).toContain('+port=8080');
  });

  it('a Secret var is rendered into the file and masked everywhere else', async () => {
    const canary = 'canary-template-b8c1d2';
    const params = { template: '[Interface]\nPrivateKey = {{key}}\n', vars: { key: new Secret(canary) }, dest: '/etc/wg-test.conf', mode: '0600' };
    const { first } = await proveIdempotent(template, t(), params, async () => {
      expect(await hosts.sh(H, 'cat /etc/wg-test.conf')).toBe(`[Interface]\nPrivateKey = ${canary}\n`);
    });
    expect(first.changes[0]?.sensitive).toBe(true);
    const r = await template.run(t(), { ...params, vars: { key: new Secret(`${canary}x`) } }, { diff: true });
    expect(`${JSON.stringify(r.changes)}${r.diff}`).not.toContain(canary);
  });

  it('follow: false (default, as Ansible) replaces a symlink at dest; follow: true renders through it', async () => {
    await hosts.sh(H, "printf 'target\\n' > /etc/tpl-real.conf && ln -sfn tpl-real.conf /etc/tpl-through.conf && ln -sfn tpl-real.conf /etc/tpl-replaced.conf");
    const state = () => hosts.sh(H, "cat /etc/tpl-real.conf; stat -c '%F' /etc/tpl-through.conf /etc/tpl-replaced.conf");
    await proveCheckMode(template, t(), { dest: '/etc/tpl-replaced.conf', template: '{{v}}\n', vars: { v: 'own' } }, state);
    await proveIdempotent(template, t(), { dest: '/etc/tpl-replaced.conf', template: '{{v}}\n', vars: { v: 'own' } }, async () => {
      expect(await state()).toBe('target\nsymbolic link\nregular file\n');
    });
    await proveIdempotent(template, t(), { dest: '/etc/tpl-through.conf', template: '{{v}}\n', vars: { v: 'through' }, follow: true }, async () => {
      expect(await state()).toBe('through\nsymbolic link\nregular file\n');
    });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(template, t(), { dest: '/etc/x', template: 'a', src: 'b' }, /template\.src: give exactly one of src or template/);
    await proveBadParams(template, t(), { dest: '/etc/x', template: 'a', vars: 'nope' }, /template\.vars/);
  });
});
