import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { sysctl } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// Only per-network-namespace keys (net.*): the hosts are containers, and a kernel.* key would
// change the machine running the tests.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const KEYS = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.ipv4.ip_local_port_range'];
const state = () => hosts.sh(H, `sysctl -n ${KEYS.join(' ')}; cat /etc/sysctl.d/k8s.conf 2>&1 || true`);
const k8s = { values: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1', 'net.ipv4.ip_local_port_range': '20000 60999' }, file: 'k8s.conf' };

describe('sysctl on a real host', () => {
  it('check mode on a fresh host reports the changes and changes nothing', async () => {
    await hosts.sh(H, 'sysctl -q -w net.ipv4.ip_forward=0');
    const result = await proveCheckMode(sysctl, t(), k8s, state);
    expect(result.changes.map((c) => c.kind)).toEqual(expect.arrayContaining(['sysctl.runtime', 'sysctl.file']));
    expect(result.diff).toContain('- 0\n+ 1');
    expect(result.diff).toContain('+net.ipv4.ip_local_port_range = 20000 60999');
  });

  it('applies runtime values and the file, then nothing (kernel tabs compare equal); gather is one round trip', async () => {
    await proveIdempotent(sysctl, t(), k8s, async () => {
      expect(await hosts.sh(H, `sysctl -n ${KEYS.join(' ')}`)).toBe('1\n1\n20000\t60999\n');
      expect(await hosts.sh(H, 'cat /etc/sysctl.d/k8s.conf; stat -c %a /etc/sysctl.d/k8s.conf')).toBe(
        'net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_local_port_range = 20000 60999\n644\n',
      );
    });
    await proveOneRoundTrip(sysctl, t(), k8s);
  });

  it('a runtime drift is corrected with sysctl -w of that key only; the file is not rewritten', async () => {
    await hosts.sh(H, 'sysctl -q -w net.ipv4.ip_forward=0; touch -d 2001-01-01 /etc/sysctl.d/k8s.conf');
    const result = await sysctl.run(t(), k8s);
    expect(result.changes.map((c) => `${c.kind} ${c.target}`)).toEqual(['sysctl.runtime net.ipv4.ip_forward']);
    expect(await hosts.sh(H, 'sysctl -n net.ipv4.ip_forward; date -r /etc/sysctl.d/k8s.conf +%Y')).toBe('1\n2001\n');
  });

  it('diff shows the value and the file change', async () => {
    const diff = await applyWithDiff(sysctl, t(), { ...k8s, values: { ...k8s.values, 'net.ipv4.ip_local_port_range': '20001 60999' } });
    expect(diff).toContain('net.ipv4.ip_local_port_range: 20000 60999 → 20001 60999\n- 20000 60999\n+ 20001 60999');
    expect(diff).toContain('-net.ipv4.ip_local_port_range = 20000 60999\n+net.ipv4.ip_local_port_range = 20001 60999');
  });

  it('an unknown key is a clear error naming it, in check mode too, and nothing is written', async () => {
    const before = await state();
    for (const check of [true, false]) {
      const error = await sysctl.run(t(), { values: { 'net.ipv4.ip_forward': '1', 'net.ipv4.no_such_key': '1' }, file: 'bad.conf' }, { check }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).code).toBe('BAD_INPUT');
      expect((error as MeshbookError).message).toContain('unknown key "net.ipv4.no_such_key"');
    }
    expect(await state()).toBe(before);
    expect(await hosts.sh(H, 'test -e /etc/sysctl.d/bad.conf && echo present || echo absent')).toBe('absent\n');
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(sysctl, t(), { values: { 'net.ipv4.ip_forward': '1; reboot\n' } }, /sysctl\.values/);
    await proveBadParams(sysctl, t(), { values: { 'net.ipv4.ip_forward': '1' }, file: '/etc/passwd' }, /sysctl\.file/);
  });
});
