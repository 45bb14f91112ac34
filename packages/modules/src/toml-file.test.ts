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
    { name: 'creates the file from the base command', params, facts: { current: null, base: DEFAULT, baseError: null }, changes: [{ kind: 'toml_file.content', target: '/etc/containerd/config.toml', summary: 'create' }] },
    { name: 'flips the key in the packaged default', params, facts: { current: DEFAULT, base: DEFAULT, baseError: null }, changes: [{ kind: 'toml_file.content', target: '/etc/containerd/config.toml' }] },
    { name: 'a different layout with the same meaning is no change', params, facts: { current: reformatted, base: DEFAULT, baseError: null }, changes: [] },
    { name: 'edits the existing file when there is no base command', params: { path: '/etc/x.toml', settings: [{ key: ['a', 'b'], value: 1 }] }, facts: { current: 'c = 2\n', base: null, baseError: null }, changes: [{ kind: 'toml_file.content', target: '/etc/x.toml' }] },
  ],
  [
    { name: 'a relative path', params: { ...params, path: 'config.toml' }, error: /toml_file\.path: an absolute path/ },
    { name: 'no settings', params: { ...params, settings: [] }, error: /toml_file\.settings/ },
  ],
);

describe('toml_file plan', () => {
  it('writes the key set on the base, keeping the rest', () => {
    const [change] = tomlFile.definition.plan({ current: null, base: DEFAULT, baseError: null }, tomlFile.parse(params));
    expect(change!.content!.after).toContain('SystemdCgroup = true');
    expect(change!.content!.after).toContain('BinaryName = ""');
  });

  it('a base command not installed yet is known after apply (check mode on a fresh host)', () => {
    const changes = tomlFile.definition.plan({ current: null, base: null, baseError: 'exit code 127: not found', baseMissing: true }, tomlFile.parse(params));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.kind).toBe('toml_file.base_missing');
    expect(changes[0]!.summary).toMatch(/known after apply: not installed yet/);
  });

  it('reports a failed base command', () => {
    expect(() => tomlFile.definition.plan({ current: null, base: null, baseError: 'exit code 127: not found' }, tomlFile.parse(params))).toThrow(/containerd config default failed/);
  });
});
