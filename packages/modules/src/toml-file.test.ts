import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { tomlFile } from './toml-file.js';

const DEFAULT = `version = 2
[plugins]
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    BinaryName = ""
    SystemdCgroup = false
`;
const systemdCgroup = { key: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'], value: true };
const params = { path: '/etc/containerd/config.toml', baseCommand: ['containerd', 'config', 'default'], settings: [systemdCgroup] };
const reformatted = `# written by hand, other layout
version = 2

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
SystemdCgroup = true
BinaryName = ""
`;

describePlanFixtures(
  tomlFile,
  [
    { name: 'creates the file from the base command', params, facts: { file: null, base: { text: DEFAULT } }, changes: [{ kind: 'toml_file.content', target: '/etc/containerd/config.toml', summary: 'create' }] },
    { name: 'flips the key in the packaged default', params, facts: { file: { mode: '644', uid: '0', gid: '0', text: DEFAULT }, base: { text: DEFAULT } }, changes: [{ kind: 'toml_file.content', target: '/etc/containerd/config.toml' }] },
    { name: 'a different layout with the same meaning is no change', params, facts: { file: { mode: '644', uid: '0', gid: '0', text: reformatted }, base: { text: DEFAULT } }, changes: [] },
    { name: 'a given mode that differs is a mode change only', params: { path: '/etc/x.toml', settings: [{ key: ['c'], value: 2 }], mode: '0600' }, facts: { file: { mode: '644', uid: '0', gid: '0', text: 'c = 2\n' }, base: null }, changes: [{ kind: 'toml_file.mode', target: '/etc/x.toml', summary: 'mode 644 → 0600' }] },
    { name: 'without a mode the existing one is kept: no change', params: { path: '/etc/x.toml', settings: [{ key: ['c'], value: 2 }] }, facts: { file: { mode: '600', uid: '0', gid: '0', text: 'c = 2\n' }, base: null }, changes: [] },
    { name: 'edits the existing file when there is no base command', params: { path: '/etc/x.toml', settings: [{ key: ['a', 'b'], value: 1 }] }, facts: { file: { mode: '644', uid: '0', gid: '0', text: 'c = 2\n' }, base: null }, changes: [{ kind: 'toml_file.content', target: '/etc/x.toml' }] },
  ],
  [
    { name: 'a relative path', params: { ...params, path: 'config.toml' }, error: /tomlFile\.path: an absolute path/ },
    { name: 'no settings', params: { ...params, settings: [] }, error: /tomlFile\.settings/ },
  ],
);

describe('tomlFile plan', () => {
  it('writes the key set on the base, keeping the rest', () => {
    const [change] = tomlFile.definition.plan({ file: null, base: { text: DEFAULT } }, tomlFile.parse(params));
    expect(change!.content!.after).toContain('SystemdCgroup = true');
    expect(change!.content!.after).toContain('BinaryName = ""');
  });

  it('a base command not installed yet is known after apply (check mode on a fresh host)', () => {
    const changes = tomlFile.definition.plan({ file: null, base: { error: 'exit code 127: not found', missing: true } }, tomlFile.parse(params));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.kind).toBe('toml_file.base_missing');
    expect(changes[0]!.summary).toMatch(/known after apply: not installed yet/);
  });

  it('an edit keeps the existing file\'s mode and owner in its payload (issue 19, item 5)', () => {
    const [change] = tomlFile.definition.plan({ file: { mode: '600', uid: '65534', gid: '65534', text: 'a = 1\n' }, base: null }, tomlFile.parse({ path: '/etc/x.toml', settings: [{ key: ['a'], value: 2 }] }));
    expect(change!.payload).toMatchObject({ mode: 0o600, owner: { uid: '65534', gid: '65534' } });
  });

  it('reports a failed base command', () => {
    expect(() => tomlFile.definition.plan({ file: null, base: { error: 'exit code 126: not executable' } }, tomlFile.parse(params))).toThrow(/containerd config default failed/);
  });
});
