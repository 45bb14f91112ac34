import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bootstrapTokenSecret, detachedJws, detachedJwsIsValid, generateToken } from './token.js';
import { joinCommandLines, joinCommandOneLine } from './join-command.js';

describe('bootstrap tokens', () => {
  it('generates tokens of kubeadm\'s form, each different', () => {
    const a = generateToken();
    expect(a).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('signs cluster-info with a detached HS256 JWS that openssl\'s HMAC agrees with', () => {
    const content = 'apiVersion: v1\nkind: Config\n';
    const jws = detachedJws(content, 'abcdef', '0123456789abcdef');
    const [header, empty, signature] = jws.split('.');
    expect(empty).toBe('');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', kid: 'abcdef' });
    const signingInput = `${header}.${Buffer.from(content).toString('base64url')}`;
    const mac = execFileSync('openssl', ['dgst', '-sha256', '-hmac', '0123456789abcdef', '-binary'], { input: signingInput });
    expect(signature).toBe(mac.toString('base64url'));
    expect(detachedJwsIsValid(jws, content, 'abcdef', '0123456789abcdef')).toBe(true);
    expect(detachedJwsIsValid(jws, content, 'abcdef', '0123456789abcdeX')).toBe(false);
    expect(detachedJwsIsValid(jws, `${content} `, 'abcdef', '0123456789abcdef')).toBe(false);
  });

  it('stores the token as the Secret the API server authenticates from', () => {
    const secret = bootstrapTokenSecret({ token: 'abcdef.0123456789abcdef', description: '', ttlSeconds: 3600, usages: ['signing', 'authentication'], groups: ['system:bootstrappers:kubeadm:default-node-token'] }, new Date('2026-01-01T00:00:00Z'));
    const data = Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(secret).toMatchObject({ type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' } });
    expect(data).toEqual({
      'token-id': 'abcdef', 'token-secret': '0123456789abcdef', expiration: '2026-01-01T01:00:00Z',
      'usage-bootstrap-signing': 'true', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    });
  });

  it('prints the join command on one line with a trailing space, or split as init prints it', () => {
    const cmd = { endpoint: '10.0.0.10:6443', token: 'abcdef.0123456789abcdef', caCertHash: `sha256:${'a'.repeat(64)}` };
    expect(joinCommandOneLine(cmd)).toBe(`kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${'a'.repeat(64)} `);
    expect(joinCommandLines(cmd)).toEqual(['kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef \\', `\t--discovery-token-ca-cert-hash sha256:${'a'.repeat(64)} `]);
    expect(joinCommandOneLine({ ...cmd, controlPlane: true, certificateKey: 'b'.repeat(64) })).toMatch(/ --control-plane --certificate-key b{64}$/);
  });
});
