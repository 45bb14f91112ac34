import { describe, expect, it } from 'vitest';
import { tomlFile } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// containerd is in the host image: `containerd config default` is the real base document.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const PATH = '/etc/containerd/config.toml';
const SYSTEMD_CGROUP = ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', 'runc', 'options', 'SystemdCgroup'];
const params = { path: PATH, baseCommand: ['containerd', 'config', 'default'], settings: [{ key: SYSTEMD_CGROUP, value: true }] };
const state = () => hosts.sh(H, `sha256sum ${PATH} 2>&1; true`);

describe('toml_file on a real host (containerd config)', () => {
  it('check mode on a fresh host reports the change and writes nothing', async () => {
    await hosts.sh(H, `rm -f ${PATH}`);
    const result = await proveCheckMode(tomlFile, t(), params, state);
    expect(result.diff).toContain('+SystemdCgroup = true');
  });

  it('writes containerd\'s default config with SystemdCgroup = true, then nothing; gather is one round trip', async () => {
    await proveIdempotent(tomlFile, t(), params, async () => {
      const text = await hosts.sh(H, `cat ${PATH}`);
      expect(text).toContain('SystemdCgroup = true');
      expect(text).not.toContain('SystemdCgroup = false');
      // containerd itself accepts the file (it parses it as its config).
      expect(await hosts.sh(H, `containerd --config ${PATH} config dump >/dev/null && echo parsed`)).toBe('parsed\n');
    });
    await proveOneRoundTrip(tomlFile, t(), params);
  });

  it('a hand-made layout with the same meaning is left alone; a flipped key is set back with a diff', async () => {
    await hosts.sh(H, `sed -i 's/SystemdCgroup = true/SystemdCgroup   =   true # by hand/' ${PATH}`);
    expect((await tomlFile.run(t(), params)).changed).toBe(false);
    await hosts.sh(H, `sed -i 's/SystemdCgroup   =   true # by hand/SystemdCgroup = false/' ${PATH}`);
    const diff = await applyWithDiff(tomlFile, t(), params);
    expect(diff).toContain('-SystemdCgroup = false');
    expect(diff).toContain('+SystemdCgroup = true');
  });

  it('rejects bad params before touching the host', async () => {
    await proveBadParams(tomlFile, t(), { ...params, path: 'relative.toml' }, /toml_file\.path/);
  });
});
