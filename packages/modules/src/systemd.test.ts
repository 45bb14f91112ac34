import { describe, expect, it } from 'vitest';
import { systemctlCommands, systemd } from './systemd.js';
import type { SystemdChange, UnitState } from './systemd.js';
import { describePlanFixtures } from './testing/plan-fixtures.js';

const U = 'nginx.service';
const unit = (s: Partial<UnitState> = {}): UnitState => ({ loadState: 'loaded', activeState: 'active', unitFileState: 'enabled', needDaemonReload: false, ...s });
const stopped = unit({ activeState: 'inactive', unitFileState: 'disabled' });

describePlanFixtures(
  systemd,
  [
    { name: 'started and enabled already → nothing', params: { name: U, state: 'started', enabled: true }, facts: unit(), changes: [] },
    { name: 'start and enable', params: { name: U, state: 'started', enabled: true }, facts: stopped, changes: [{ kind: 'systemd.enable', target: U, before: 'disabled', after: 'enabled' }, { kind: 'systemd.start', target: U, before: 'inactive', after: 'active' }] },
    { name: 'activating counts as started', params: { name: U, state: 'started' }, facts: unit({ activeState: 'activating' }), changes: [] },
    { name: 'a failed unit is started', params: { name: U, state: 'started' }, facts: unit({ activeState: 'failed' }), changes: [{ kind: 'systemd.start', target: U, before: 'failed' }] },
    { name: 'stop and disable', params: { name: U, state: 'stopped', enabled: false }, facts: unit(), changes: [{ kind: 'systemd.disable', target: U }, { kind: 'systemd.stop', target: U }] },
    { name: 'stopped already → nothing', params: { name: U, state: 'stopped' }, facts: stopped, changes: [] },
    { name: 'static unit: enabled is satisfied, disable impossible', params: { name: U, enabled: true }, facts: unit({ unitFileState: 'static' }), changes: [] },
    { name: 'static unit: disabled asks nothing', params: { name: U, enabled: false }, facts: unit({ unitFileState: 'static' }), changes: [] },
    { name: 'restarted always restarts', params: { name: U, state: 'restarted' }, facts: unit(), changes: [{ kind: 'systemd.restart', target: U }] },
    { name: 'reloaded reloads a running unit', params: { name: U, state: 'reloaded' }, facts: unit(), changes: [{ kind: 'systemd.reload', target: U }] },
    { name: 'reloaded starts a stopped unit', params: { name: U, state: 'reloaded' }, facts: stopped, changes: [{ kind: 'systemd.start', target: U }] },
    { name: 'auto daemon-reload when unit files changed', params: { name: U, state: 'restarted' }, facts: unit({ needDaemonReload: true }), changes: [{ kind: 'systemd.daemon-reload', target: U }, { kind: 'systemd.restart', target: U }] },
    { name: 'auto daemon-reload for a unit not loaded yet', params: { name: U, state: 'started' }, facts: unit({ loadState: 'not-found', activeState: 'inactive', unitFileState: '' }), changes: [{ kind: 'systemd.daemon-reload', target: U }, { kind: 'systemd.start', target: U }] },
    { name: 'no daemon-reload when nothing changed on disk', params: { name: U, state: 'started' }, facts: unit(), changes: [] },
    { name: 'daemonReload false never reloads', params: { name: U, state: 'started', daemonReload: false }, facts: unit({ needDaemonReload: true }), changes: [] },
    { name: 'daemonReload true always reloads', params: { name: U, daemonReload: true }, facts: unit(), changes: [{ kind: 'systemd.daemon-reload', target: U }] },
    { name: 'mask a running unit: stop first', params: { name: U, state: 'stopped', masked: true }, facts: unit(), changes: [{ kind: 'systemd.stop', target: U }, { kind: 'systemd.mask', target: U }] },
    { name: 'masked already → nothing', params: { name: U, masked: true }, facts: unit({ loadState: 'masked', unitFileState: 'masked', activeState: 'inactive' }), changes: [] },
    { name: 'unmask, enable and start', params: { name: U, masked: false, enabled: true, state: 'started' }, facts: unit({ loadState: 'masked', unitFileState: 'masked', activeState: 'inactive' }), changes: [{ kind: 'systemd.unmask', target: U }, { kind: 'systemd.enable', target: U }, { kind: 'systemd.start', target: U }] },
    { name: 'template instance name', params: { name: 'wg-quick@wg0', enabled: true }, facts: unit({ unitFileState: 'disabled' }), changes: [{ kind: 'systemd.enable', target: 'wg-quick@wg0' }] },
  ],
  [
    { name: 'nothing asked', params: { name: U }, error: /systemd\.state: give at least one of/ },
    { name: 'masked and enabled', params: { name: U, masked: true, enabled: true }, error: /systemd\.masked: a masked unit cannot be enabled or started/ },
    { name: 'masked and started', params: { name: U, masked: true, state: 'started' }, error: /cannot be enabled or started/ },
    { name: 'a name starting with a dash', params: { name: '--all', state: 'started' }, error: /systemd\.name/ },
    { name: 'a name with a space', params: { name: 'a b', state: 'started' }, error: /systemd\.name/ },
    { name: 'an unknown state', params: { name: U, state: 'running' }, error: /systemd\.state/ },
    { name: 'an unknown key', params: { name: U, state: 'started', scope: 'user' }, error: /scope/ },
  ],
);

describe('systemctl commands', () => {
  const change = (kind: SystemdChange['kind']): SystemdChange => ({ kind, target: 'x.service', summary: kind, payload: { unit: 'x.service' } });
  const commands = (...kinds: SystemdChange['kind'][]) => systemctlCommands(kinds.map(change)).map((c) => c.text);
  it('enable then start is one enable --now; disable then stop one disable --now', () => {
    expect(commands('systemd.enable', 'systemd.start')).toEqual(['systemctl enable --now -- x.service']);
    expect(commands('systemd.disable', 'systemd.stop')).toEqual(['systemctl disable --now -- x.service']);
    expect(commands('systemd.enable')).toEqual(['systemctl enable -- x.service']);
    expect(commands('systemd.start')).toEqual(['systemctl start -- x.service']);
    expect(commands('systemd.stop', 'systemd.mask')).toEqual(['systemctl stop -- x.service', 'systemctl mask -- x.service']);
  });
  it('a daemon-reload right before a verb that changes unit files is that verb\'s own reload; before anything else it runs', () => {
    expect(commands('systemd.daemon-reload', 'systemd.enable', 'systemd.start')).toEqual(['systemctl enable --now -- x.service']);
    expect(commands('systemd.daemon-reload', 'systemd.unmask', 'systemd.start')).toEqual(['systemctl unmask -- x.service', 'systemctl start -- x.service']);
    // A stop or restart must see the unit as it is on disk now: the reload comes first.
    expect(commands('systemd.daemon-reload', 'systemd.restart')).toEqual(['systemctl daemon-reload', 'systemctl restart -- x.service']);
    expect(commands('systemd.daemon-reload', 'systemd.stop', 'systemd.mask')).toEqual(['systemctl daemon-reload', 'systemctl stop -- x.service', 'systemctl mask -- x.service']);
    expect(commands('systemd.daemon-reload')).toEqual(['systemctl daemon-reload']);
  });
});
