import { beforeAll, describe, expect, it } from 'vitest';
import { FactCache } from '@meshbook/engine';
import { copy, systemd } from '@meshbook/modules';
import { proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
// In the vendor directory: `systemctl mask` refuses a unit whose file is in /etc/systemd/system.
const UNIT = 'mb-demo.service';
const unitFile = (description: string) => `[Unit]\nDescription=${description}\n\n[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n`;
const show = () => hosts.sh(H, `systemctl show -p ActiveState,UnitFileState,NeedDaemonReload ${UNIT} | sort | tr '\\n' ' '`);
const mainPid = () => hosts.sh(H, `systemctl show -p MainPID --value ${UNIT}`);

describe('systemd on a real host', () => {
  beforeAll(async () => {
    await copy.run(t(), { dest: `/usr/lib/systemd/system/${UNIT}`, content: unitFile('meshbook demo') });
  });

  it('check mode on a fresh unit reports start/enable and changes nothing', async () => {
    const r = await proveCheckMode(systemd, t(), { name: UNIT, state: 'started', enabled: true }, show);
    expect(r.changes.map((c) => c.kind)).toEqual(expect.arrayContaining(['systemd.enable', 'systemd.start']));
  });

  it('started + enabled, then unchanged; gather is one round trip', async () => {
    const params = { name: UNIT, state: 'started' as const, enabled: true };
    await proveIdempotent(systemd, t(), params, async () => {
      expect(await show()).toBe('ActiveState=active NeedDaemonReload=no UnitFileState=enabled ');
    });
    await proveOneRoundTrip(systemd, t(), params);
  });

  it('a changed unit file: daemon-reload (auto) before the restart', async () => {
    await copy.run(t(), { dest: `/usr/lib/systemd/system/${UNIT}`, content: unitFile('meshbook demo v2') });
    expect(await show()).toContain('NeedDaemonReload=yes');
    const pid = await mainPid();
    const r = await systemd.run(t(), { name: UNIT, state: 'restarted' }, { diff: true });
    expect(r.changes.map((c) => c.kind)).toEqual(['systemd.daemon-reload', 'systemd.restart']);
    expect(r.diff).toContain('restart');
    expect(await show()).toContain('NeedDaemonReload=no');
    expect(await mainPid()).not.toBe(pid);
    expect(await hosts.sh(H, `systemctl show -p Description --value ${UNIT}`)).toBe('meshbook demo v2\n');
  });

  it('in one run (shared fact cache), a unit file written after a systemd task is seen by the next one', async () => {
    const facts = new FactCache(t());
    expect((await systemd.run(t(), { name: UNIT, state: 'started' }, { facts })).changed).toBe(false);
    await copy.run(t(), { dest: `/usr/lib/systemd/system/${UNIT}`, content: unitFile('meshbook demo v3') }, { facts });
    const r = await systemd.run(t(), { name: UNIT, state: 'restarted' }, { facts });
    expect(r.changes.map((c) => c.kind)).toEqual(['systemd.daemon-reload', 'systemd.restart']);
  });

  it('restarted and reloaded always act', async () => {
    expect((await systemd.run(t(), { name: UNIT, state: 'restarted' })).changed).toBe(true);
    expect((await systemd.run(t(), { name: UNIT, state: 'reloaded' })).changes.map((c) => c.kind)).toEqual(['systemd.reload']);
  });

  it('stopped + disabled, then masked, then unmasked and started again', async () => {
    await proveIdempotent(systemd, t(), { name: UNIT, state: 'stopped', enabled: false }, async () => {
      expect(await show()).toBe('ActiveState=inactive NeedDaemonReload=no UnitFileState=disabled ');
    });
    await proveIdempotent(systemd, t(), { name: UNIT, masked: true }, async () => {
      expect(await show()).toContain('UnitFileState=masked');
    });
    await proveIdempotent(systemd, t(), { name: UNIT, masked: false, state: 'started' }, async () => {
      expect(await show()).toContain('ActiveState=active');
    });
  });

  it('enable + start is one systemctl (enable --now), a pending daemon-reload is the enable\'s own, disable + stop one disable --now: same end states', async () => {
    const unit = 'mb-now.service';
    const showNow = () => hosts.sh(H, `systemctl show -p ActiveState,UnitFileState,NeedDaemonReload,Description ${unit} | sort | tr '\\n' ' '`);
    // A shim ahead of systemctl on PATH logs what the module asks for (the facts' `show` included).
    await hosts.sh(H, `printf '%s\\n' '#!/bin/sh' 'echo "$*" >> /root/systemctl.log' 'exec /usr/bin/systemctl "$@"' > /usr/local/bin/systemctl && chmod +x /usr/local/bin/systemctl`);
    const verbs = async () => (await hosts.sh(H, 'cat /root/systemctl.log; rm -f /root/systemctl.log')).split('\n').filter((l) => l && !l.startsWith('show '));
    try {
      await copy.run(t(), { dest: `/usr/lib/systemd/system/${unit}`, content: unitFile('now v1') });
      await hosts.sh(H, 'rm -f /root/systemctl.log');
      await proveIdempotent(systemd, t(), { name: unit, state: 'started', enabled: true }, async (first) => {
        expect(first.changes.map((c) => c.kind)).toEqual(['systemd.enable', 'systemd.start']);
        expect(await showNow()).toBe('ActiveState=active Description=now v1 NeedDaemonReload=no UnitFileState=enabled ');
      });
      expect(await verbs()).toEqual([`enable --now -- ${unit}`]);

      await proveIdempotent(systemd, t(), { name: unit, state: 'stopped', enabled: false }, async (first) => {
        expect(first.changes.map((c) => c.kind)).toEqual(['systemd.disable', 'systemd.stop']);
        expect(await showNow()).toBe('ActiveState=inactive Description=now v1 NeedDaemonReload=no UnitFileState=disabled ');
      });
      expect(await verbs()).toEqual([`disable --now -- ${unit}`]);

      // Running but not enabled, and its file changed on disk (a stopped unit would simply be
      // loaded afresh): the plan says daemon-reload, enable; the enable's own reload is the one.
      await hosts.sh(H, `systemctl start ${unit}`);
      await copy.run(t(), { dest: `/usr/lib/systemd/system/${unit}`, content: unitFile('now v2') });
      expect(await showNow()).toBe('ActiveState=active Description=now v1 NeedDaemonReload=yes UnitFileState=disabled ');
      await hosts.sh(H, 'rm -f /root/systemctl.log');
      await proveIdempotent(systemd, t(), { name: unit, state: 'started', enabled: true }, async (first) => {
        expect(first.changes.map((c) => c.kind)).toEqual(['systemd.daemon-reload', 'systemd.enable']);
        expect(await showNow()).toBe('ActiveState=active Description=now v2 NeedDaemonReload=no UnitFileState=enabled ');
      });
      expect(await verbs()).toEqual([`enable -- ${unit}`]);
    } finally {
      await hosts.sh(H, `rm -f /usr/local/bin/systemctl /root/systemctl.log; systemctl disable --now ${unit} >/dev/null 2>&1 || true`);
    }
  });

  it('a missing unit fails at apply with systemctl\'s message', async () => {
    await expect(systemd.run(t(), { name: 'mb-no-such.service', state: 'started' })).rejects.toMatchObject({ code: 'COMMAND_FAILED', stderr: expect.stringMatching(/not found/) });
  });

  it('bad params fail before the host is touched', async () => {
    await proveBadParams(systemd, t(), { name: `${UNIT}; reboot`, state: 'started' }, /systemd\.name/);
    await proveBadParams(systemd, t(), { name: UNIT, masked: true, state: 'started' }, /systemd\.masked/);
  });
});
