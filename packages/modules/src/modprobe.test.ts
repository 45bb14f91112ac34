import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { modprobe, moduleStatusFromEvidence, normalizeModuleName } from './modprobe.js';
import { parseFileState } from './lib/file-facts.js';

const file = (path: string, text: string | null) =>
  parseFileState(path, text === null ? 'absent\n' : `stat regular file|644|root|root|${text.length}|0|0\ncontent ${Buffer.from(text).toString('base64')}\n`);
const K8S = '/etc/modules-load.d/k8s.conf';

describePlanFixtures(
  modprobe,
  [
    {
      name: 'a loadable module that is not loaded: load it',
      params: { name: 'wireguard' },
      facts: { status: { wireguard: 'loadable' }, persist: null },
      changes: [{ kind: 'modprobe.load', target: 'wireguard', summary: 'load kernel module wireguard', before: 'not loaded', after: 'loaded' }],
    },
    {
      name: 'loaded and built-in modules are present',
      params: { name: ['overlay', 'br_netfilter'] },
      facts: { status: { overlay: 'builtin', br_netfilter: 'loaded' }, persist: null },
      changes: [],
    },
    {
      name: "'-' in a name is normalised to '_'",
      params: { name: 'nf-conntrack' },
      facts: { status: { nf_conntrack: 'loadable' }, persist: null },
      changes: [{ kind: 'modprobe.load', target: 'nf_conntrack' }],
    },
    {
      name: 'persist file missing: created with one module per line',
      params: { name: ['overlay', 'br_netfilter'], persist: 'k8s.conf' },
      facts: { status: { overlay: 'builtin', br_netfilter: 'builtin' }, persist: file(K8S, null) },
      changes: [{ kind: 'modprobe.persist', target: K8S, summary: `create ${K8S}`, content: { path: K8S, before: null, after: 'overlay\nbr_netfilter\n' } }],
    },
    {
      name: 'persist name without .conf, file differs, one module to load',
      params: { name: ['overlay', 'br_netfilter'], persist: 'k8s' },
      facts: { status: { overlay: 'loaded', br_netfilter: 'loadable' }, persist: file(K8S, 'overlay\n') },
      changes: [{ kind: 'modprobe.load', target: 'br_netfilter' }, { kind: 'modprobe.persist', target: K8S, summary: `update ${K8S}` }],
    },
    {
      name: 'persist file right and modules present: idempotent',
      params: { name: ['overlay', 'br_netfilter'], persist: 'k8s.conf' },
      facts: { status: { overlay: 'builtin', br_netfilter: 'builtin' }, persist: file(K8S, 'overlay\nbr_netfilter\n') },
      changes: [],
    },
  ],
  [
    { name: 'an empty list', params: { name: [] }, error: /modprobe\.name/ },
    { name: 'a name with a slash', params: { name: '../x' }, error: /kernel module name/ },
    { name: 'a persist path', params: { name: 'overlay', persist: '/etc/x.conf' }, error: /modprobe\.persist/ },
  ],
);

describe('modprobe status', () => {
  it('a module found nowhere is a clear error, also in check mode (plan)', () => {
    const p = modprobe.parse({ name: 'no_such_module' });
    expect(() => modprobe.definition.plan({ status: { no_such_module: 'missing' }, persist: null }, p)).toThrow(
      expect.objectContaining({ code: 'MODULE_FAILED', message: expect.stringContaining('kernel module "no_such_module" not found') }),
    );
  });
  it('evidence → status', () => {
    expect(moduleStatusFromEvidence(['proc-modules', 'initstate', 'sysfs', 'modinfo'])).toBe('loaded');
    expect(moduleStatusFromEvidence(['sysfs'])).toBe('builtin');
    expect(moduleStatusFromEvidence(['modules-builtin', 'modinfo'])).toBe('builtin');
    expect(moduleStatusFromEvidence(['witness'])).toBe('builtin');
    expect(moduleStatusFromEvidence(['modinfo'])).toBe('loadable');
    expect(moduleStatusFromEvidence([])).toBe('missing');
  });
  it('normalises names', () => expect(normalizeModuleName('nf-conntrack')).toBe('nf_conntrack'));
});
