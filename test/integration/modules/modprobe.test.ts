import { describe, expect, it } from 'vitest';
import { MeshbookError } from '@meshbook/engine';
import { modprobe } from '@meshbook/modules';
import { applyWithDiff, proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// The test hosts run a monolithic kernel (no /proc/modules, no /lib/modules): overlay shows up as
// /sys/module/overlay, br_netfilter only through /proc/sys/net/bridge. Both count as built in, so
// here the module's job is the modules-load.d file; `modprobe` itself is never needed.
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const FILE = '/etc/modules-load.d/k8s.conf';
const state = () => hosts.sh(H, `ls /etc/modules-load.d; cat ${FILE} 2>&1 || true`);
const k8s = { name: ['overlay', 'br_netfilter'], persist: 'k8s.conf' };

describe('modprobe on a real host', () => {
  it('check mode on a fresh host reports the persist file and changes nothing', async () => {
    const result = await proveCheckMode(modprobe, t(), k8s, state);
    expect(result.changes.map((c) => c.kind)).toEqual(['modprobe.persist']);
    expect(result.diff).toContain('+overlay\n+br_netfilter');
  });

  it('built-in modules count as present; the file is written, then nothing; gather is one round trip', async () => {
    await proveIdempotent(modprobe, t(), k8s, async () => {
      expect(await hosts.sh(H, `cat ${FILE}; stat -c %a ${FILE}`)).toBe('overlay\nbr_netfilter\n644\n');
    });
    await proveOneRoundTrip(modprobe, t(), k8s);
  });

  it("'-' and '_' name the same module", async () => {
    const result = await modprobe.run(t(), { name: 'br-netfilter' });
    expect(result.changed).toBe(false);
  });

  it('diff shows a file update', async () => {
    const diff = await applyWithDiff(modprobe, t(), { name: ['overlay', 'br_netfilter', 'bridge'], persist: 'k8s' });
    expect(diff).toContain(' br_netfilter\n+bridge');
  });

  it('a module that exists nowhere is a clear error, in check mode too, and the file is untouched', async () => {
    const before = await state();
    for (const check of [true, false]) {
      const error = await modprobe.run(t(), { name: ['overlay', 'no_such_module_xyz'], persist: 'k8s.conf' }, { check }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).message).toContain('kernel module "no_such_module_xyz" not found');
    }
    expect(await state()).toBe(before);
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(modprobe, t(), { name: 'overlay; reboot' }, /modprobe\.name/);
    await proveBadParams(modprobe, t(), { name: 'overlay', persist: '../../etc/passwd' }, /modprobe\.persist/);
  });
});
