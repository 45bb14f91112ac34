import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { normalizeSysctlValue, parseSysctlRead, sysctl } from './sysctl.js';
import type { SysctlValue } from './sysctl.js';
import { parseFileState } from './lib/file-facts.js';

const ok = (value: string): SysctlValue => ({ status: 'ok', value });
const file = (path: string, text: string | null) =>
  parseFileState(path, text === null ? 'absent\n' : `stat regular file|644|root|root|${text.length}|0|0\ncontent ${Buffer.from(text).toString('base64')}\n`);
const K8S = '/etc/sysctl.d/k8s.conf';
const k8sValues = { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': 1 };
const k8sFile = 'net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\n';

describePlanFixtures(
  sysctl,
  [
    {
      name: 'runtime value differs: one sysctl.runtime change',
      params: { values: { 'net.ipv4.ip_forward': '1' } },
      facts: { runtime: { 'net.ipv4.ip_forward': ok('0') }, file: null },
      changes: [{ kind: 'sysctl.runtime', target: 'net.ipv4.ip_forward', summary: 'net.ipv4.ip_forward: 0 → 1', before: '0', after: '1' }],
    },
    {
      name: 'runtime already right and no file: nothing',
      params: { values: { 'net.ipv4.ip_forward': 1 } },
      facts: { runtime: { 'net.ipv4.ip_forward': ok('1') }, file: null },
      changes: [],
    },
    {
      name: 'multi-field values compare after whitespace normalisation (kernel tabs)',
      params: { values: { 'net.ipv4.ip_local_port_range': '32768  60999' } },
      facts: { runtime: { 'net.ipv4.ip_local_port_range': ok('32768\t60999') }, file: null },
      changes: [],
    },
    {
      name: 'file missing, runtime right: only the file is written (no reload)',
      params: { values: k8sValues, file: 'k8s.conf' },
      facts: { runtime: { 'net.ipv4.ip_forward': ok('1'), 'net.bridge.bridge-nf-call-iptables': ok('1') }, file: file(K8S, null) },
      changes: [{ kind: 'sysctl.file', target: K8S, summary: `create ${K8S}`, content: { path: K8S, before: null, after: k8sFile } }],
    },
    {
      name: 'file name without .conf gets it; both runtime and file differ',
      params: { values: k8sValues, file: 'k8s' },
      facts: { runtime: { 'net.ipv4.ip_forward': ok('0'), 'net.bridge.bridge-nf-call-iptables': ok('1') }, file: file(K8S, 'net.ipv4.ip_forward = 0\n') },
      changes: [
        { kind: 'sysctl.runtime', target: 'net.ipv4.ip_forward' },
        { kind: 'sysctl.file', target: K8S, summary: `update ${K8S}`, content: { path: K8S, before: 'net.ipv4.ip_forward = 0\n', after: k8sFile } },
      ],
    },
    {
      name: 'file and runtime both right: idempotent',
      params: { values: k8sValues, file: 'k8s.conf' },
      facts: { runtime: { 'net.ipv4.ip_forward': ok('1'), 'net.bridge.bridge-nf-call-iptables': ok('1') }, file: file(K8S, k8sFile) },
      changes: [],
    },
  ],
  [
    { name: 'no values', params: { values: {} }, error: /sysctl\.values: at least one key/ },
    { name: 'a key with a blank', params: { values: { 'net ipv4': '1' } }, error: /sysctl\.values/ },
    { name: 'a multi-line value', params: { values: { 'kernel.x': 'a\nb' } }, error: /single-line/ },
    { name: 'a file path instead of a name', params: { values: { 'kernel.x': '1' }, file: '../etc/passwd' }, error: /sysctl\.file/ },
    { name: 'an unknown parameter', params: { values: { 'kernel.x': '1' }, reload: true }, error: /reload/ },
  ],
);

describe('sysctl plan errors', () => {
  it('an unknown key is a BAD_INPUT error naming the key', () => {
    const p = sysctl.parse({ values: { 'net.nope.x': '1' } });
    expect(() => sysctl.definition.plan({ runtime: { 'net.nope.x': { status: 'unknown' } }, file: null }, p)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringContaining('unknown key "net.nope.x"') }),
    );
  });
  it('a read error (permission denied) fails with the message', () => {
    const p = sysctl.parse({ values: { 'kernel.x': '1' } });
    expect(() => sysctl.definition.plan({ runtime: { 'kernel.x': { status: 'error', message: 'permission denied' } }, file: null }, p)).toThrow(/permission denied/);
  });
});

describe('sysctl parsing', () => {
  it('reads values, unknown keys (procps 3 and 4), other errors', () => {
    expect(parseSysctlRead(0, '1\n', '')).toEqual({ status: 'ok', value: '1' });
    expect(parseSysctlRead(1, '', 'sysctl: cannot stat /proc/sys/net/nope: No such file or directory\n')).toEqual({ status: 'unknown' });
    expect(parseSysctlRead(255, '', 'sysctl: cannot stat /proc/sys/net/nope: No such file or directory\n')).toEqual({ status: 'unknown' });
    expect(parseSysctlRead(1, '', 'sysctl: permission denied on key "x"')).toEqual({ status: 'error', message: 'sysctl: permission denied on key "x"' });
  });
  it('normalises whitespace', () => {
    expect(normalizeSysctlValue(' 32768\t60999\n')).toBe('32768 60999');
  });
});
