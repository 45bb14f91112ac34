import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { parseFlags, listValue } from './flags.js';
import { hostLayout } from './layout.js';
import { loadJoinConfigFile } from './join-config.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeadm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function kubeadm(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, hostLayout(dir));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kubeadm CLI', () => {
  it('parses flags as pflag does', () => {
    const flags = parseFlags(['10.0.0.1:6443', '--token', 'a', '--discovery-token-ca-cert-hash=sha256:1,sha256:2', '--discovery-token-ca-cert-hash', 'sha256:3', '--control-plane'], {
      values: ['token', 'discovery-token-ca-cert-hash'], bools: ['control-plane'],
    });
    expect(flags.args).toEqual(['10.0.0.1:6443']);
    expect(listValue(flags, 'discovery-token-ca-cert-hash')).toEqual(['sha256:1', 'sha256:2', 'sha256:3']);
    expect(flags.bools.has('control-plane')).toBe(true);
    expect(() => parseFlags(['--nope'], {})).toThrow('unknown flag: --nope');
  });

  it('prints versions and certificate keys', async () => {
    expect(await kubeadm('version', '-o', 'short')).toEqual({ code: 0, out: 'v1.31.9', err: '' });
    expect(JSON.parse((await kubeadm('version', '-o', 'json')).out).clientVersion.gitVersion).toBe('v1.31.9');
    const keys = [(await kubeadm('certs', 'certificate-key')).out, (await kubeadm('certs', 'certificate-key')).out];
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it('prints a bash completion that bash accepts', async () => {
    const { code, out } = await kubeadm('completion', 'bash');
    expect(code).toBe(0);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('bash', ['-c', `${out}\ncomplete -p kubeadm`], { encoding: 'utf8' }).trim()).toBe('complete -o default -F _kubeadm kubeadm');
  });

  it('fails as kubeadm fails: message, stack-trace hint, exit code', async () => {
    expect(await kubeadm('kubeconfig', 'user', '--org', 'x')).toEqual({ code: 1, out: '', err: 'missing required argument --client-name\nTo see the stack trace of this error execute with --v=5 or higher' });
    expect((await kubeadm('token', 'create', '--print-join-command')).err).toMatch(/^failed to load admin kubeconfig: open .*admin\.conf: no such file or directory/);
    const noHash = await kubeadm('join', '10.0.0.1:6443', '--token', 'abcdef.0123456789abcdef');
    expect(noHash.code).toBe(3);
    expect(noHash.err).toContain('using token-based discovery without caCertHashes can be unsafe');
    expect(await kubeadm('init', '--pod-network-cidr', '10.0.0.0/33', '--service-cidr=10.96.0.0/12')).toMatchObject({ code: 3, err: expect.stringMatching(/^networking.podSubnet: Invalid value: "10.0.0.0\/33": couldn't parse subnet\n/) });
    const mixed = await kubeadm('init', '--config', '/x.yaml', '--pod-network-cidr', '10.244.0.0/16');
    expect(mixed).toMatchObject({ code: 1, err: expect.stringMatching(/^can not mix '--config' with arguments \[pod-network-cidr\]/) });
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworkin: {}\n');
    expect(await kubeadm('config', 'validate', '--config', join(dir, 'bad.yaml'))).toMatchObject({ code: 1, err: expect.stringContaining('strict decoding error: unknown field "networkin"') });
  });

  it('reads a JoinConfiguration as the flags\' equivalent', () => {
    writeFileSync(join(dir, 'join.yaml'), `apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.0.0.10:6443
    token: abcdef.0123456789abcdef
    caCertHashes: [sha256:${'a'.repeat(64)}]
  timeout: 5m0s
nodeRegistration:
  name: Worker-1
  kubeletExtraArgs:
    node-ip: 10.0.0.11
`);
    expect(loadJoinConfigFile(join(dir, 'join.yaml'), { hostname: 'h', defaultAddress: '1.2.3.4' })).toEqual({
      endpoint: '10.0.0.10:6443', token: 'abcdef.0123456789abcdef', caCertHashes: [`sha256:${'a'.repeat(64)}`], unsafeSkipCAVerification: false,
      nodeName: 'worker-1', criSocket: 'unix:///var/run/containerd/containerd.sock', kubeletExtraArgs: [{ name: 'node-ip', value: '10.0.0.11' }],
      ignorePreflightErrors: [], controlPlane: false, discoveryTimeoutMs: 300_000, warnings: [],
    });
    // v1beta4 moved it to timeouts.discovery
    writeFileSync(join(dir, 'join4.yaml'), `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken: {apiServerEndpoint: 10.0.0.10:6443, token: abcdef.0123456789abcdef, caCertHashes: [sha256:${'a'.repeat(64)}]}
timeouts:
  discovery: 15s
`);
    expect(loadJoinConfigFile(join(dir, 'join4.yaml'), { hostname: 'h', defaultAddress: '1.2.3.4' }).discoveryTimeoutMs).toBe(15_000);
  });
});
