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

describe('tomlFile on a real host (containerd config)', () => {
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

  it('keeps an existing file\'s mode and owner (a 0600 secret config stays 0600 and its owner\'s) unless told (issue 19, item 5)', async () => {
    const path = '/etc/meshbook-secret.toml';
    await hosts.sh(H, `printf 'token = "s3cret"\\n' > ${path} && chown nobody:nogroup ${path} && chmod 600 ${path}`);
    await tomlFile.run(t(), { path, settings: [{ key: ['level'], value: 3 }] });
    expect(await hosts.sh(H, `stat -c '%a %U %G' ${path}`)).toBe('600 nobody nogroup\n');
    expect(await hosts.sh(H, `cat ${path}`)).toContain('token = "s3cret"');
    // Told: the mode changes, the owner stays; then nothing.
    await tomlFile.run(t(), { path, settings: [{ key: ['level'], value: 3 }], mode: '0640' });
    expect(await hosts.sh(H, `stat -c '%a %U %G' ${path}`)).toBe('640 nobody nogroup\n');
    expect((await tomlFile.run(t(), { path, settings: [{ key: ['level'], value: 3 }], mode: '0640' })).changed).toBe(false);
    // A new file is 0644 root.
    await hosts.sh(H, 'rm -f /etc/meshbook-new.toml');
    await tomlFile.run(t(), { path: '/etc/meshbook-new.toml', settings: [{ key: ['a'], value: 1 }] });
    expect(await hosts.sh(H, "stat -c '%a %U %G' /etc/meshbook-new.toml")).toBe('644 root root\n');
  });

  it('a file whose own lines look like framing (===base, ===file) is read whole (issue 19, item 5)', async () => {
    const path = '/etc/meshbook-lookalike.toml';
    const text = 'note = """\n===file\n===base\n"""\nname = "x"\n';
    await hosts.sh(H, `printf '%s' '${text}' > ${path}`);
    const result = await tomlFile.run(t(), { path, settings: [{ key: ['name'], value: 'x' }] });
    expect(result.changed).toBe(false);
    expect(await hosts.sh(H, `cat ${path}`)).toBe(text);
  });

  it('the base command\'s stderr is not parsed as TOML (issue 19, item 5)', async () => {
    const path = '/etc/meshbook-base.toml';
    await hosts.sh(H, `rm -f ${path}`);
    const baseCommand = ['sh', '-c', 'echo "warning: deprecated option" >&2; echo "a = 1"'];
    await tomlFile.run(t(), { path, baseCommand, settings: [{ key: ['b'], value: 2 }] });
    expect(await hosts.sh(H, `cat ${path}`)).toBe('a = 1\nb = 2\n');
  });

  it('rejects bad params before touching the host', async () => {
    await proveBadParams(tomlFile, t(), { ...params, path: 'relative.toml' }, /tomlFile\.path/);
  });
});
