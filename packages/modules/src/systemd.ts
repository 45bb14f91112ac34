import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, defineFact, defineModule, joinCommands, sh } from '@meshbook/engine';
import type { Change, ShellCommand } from '@meshbook/engine';

export interface UnitState {
  /** loaded, not-found, masked, bad-setting, error */
  loadState: string;
  /** active, inactive, failed, activating, deactivating, reloading, ... */
  activeState: string;
  /** enabled, disabled, static, masked, indirect, generated, ... ('' when not found) */
  unitFileState: string;
  needDaemonReload: boolean;
  /** The files systemd loaded the unit from: its fragment, the file it was generated from (/etc/fstab for a mount), its drop-ins. */
  files?: string[];
}

/** Where systemd finds unit files, drop-ins and enablement links (a write there can change any unit's answer). */
const UNIT_DIRS = ['/etc/systemd', '/run/systemd', '/lib/systemd', '/usr/lib/systemd', '/usr/local/lib/systemd'];

const unitFact = defineFact<string, UnitState>({
  name: 'systemd.unit',
  // Load state, enablement and NeedDaemonReload come from these files. The run state changes with
  // systemctl (a change of unknown reach, which drops every fact) and with the host's own life, not
  // with a file a task writes elsewhere.
  reads: (_unit, state) => [...UNIT_DIRS, ...(state.files ?? [])],
  command: (unit) => sh`systemctl show -p ActiveState,UnitFileState,LoadState,NeedDaemonReload,FragmentPath,SourcePath,DropInPaths -- ${unit}`,
  parse: (result, unit) => {
    if (result.exitCode !== 0) {
      throw new MeshbookError('COMMAND_FAILED', `systemctl show ${unit} failed`, { exitCode: result.exitCode, stderr: result.stderr });
    }
    const props = new Map(
      result.stdout
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()] as const),
    );
    return {
      loadState: props.get('LoadState') ?? '',
      activeState: props.get('ActiveState') ?? '',
      unitFileState: props.get('UnitFileState') ?? '',
      needDaemonReload: props.get('NeedDaemonReload') === 'yes',
      files: [props.get('FragmentPath'), props.get('SourcePath'), ...(props.get('DropInPaths') ?? '').split(' ')].filter((f): f is string => !!f && f.startsWith('/')),
    };
  },
});

const RUNNING = new Set(['active', 'activating', 'reloading', 'refreshing']);
// static/indirect/generated/alias units cannot be enabled further: asking for enabled is satisfied.
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'indirect', 'generated', 'alias']);
const DISABLEABLE = new Set(['enabled', 'enabled-runtime']);

/** The systemd task's params as written (an interface, so editors show each field's documentation). */
export interface SystemdInput {
  /** Unit name; without a suffix systemctl means NAME.service. */
  name: string;
  /** started/stopped: the run state to have; restarted and reloaded are actions: they always run (use them from handlers). */
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded' | undefined;
  /** Start at boot (systemctl enable/disable); absent: left as it is. */
  enabled?: boolean | undefined;
  /** Masked (systemctl mask/unmask); absent: left as it is. */
  masked?: boolean | undefined;
  /** true: always daemon-reload; 'auto' (default): only when systemd says unit files changed; false: never. Ansible: daemon_reload. */
  daemonReload?: boolean | 'auto' | undefined;
}

const systemdParamsSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_:.\\@][A-Za-z0-9_:.\\@-]*$/, 'a unit name such as nginx.service or wg-quick@wg0'),
    state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional(),
    enabled: z.boolean().optional(),
    masked: z.boolean().optional(),
    daemonReload: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  })
  .refine((p) => p.state !== undefined || p.enabled !== undefined || p.masked !== undefined || p.daemonReload === true, {
    message: 'give at least one of state, enabled, masked or daemonReload: true',
    path: ['state'],
  })
  .refine((p) => p.masked !== true || (p.enabled !== true && (p.state === undefined || p.state === 'stopped')), {
    message: 'a masked unit cannot be enabled or started',
    path: ['masked'],
  });
const systemdParams: DocumentedParams<typeof systemdParamsSchema, SystemdInput> = systemdParamsSchema;

export type SystemdParams = z.output<typeof systemdParams>;

type SystemdKind =
  | 'systemd.daemon-reload'
  | 'systemd.unmask'
  | 'systemd.enable'
  | 'systemd.disable'
  | 'systemd.start'
  | 'systemd.stop'
  | 'systemd.restart'
  | 'systemd.reload'
  | 'systemd.mask';

/** Each kind is one systemctl verb on the unit (daemon-reload on none). */
export type SystemdChange = Change<SystemdKind, { unit: string }>;

/** A systemd unit's run state, enablement and masking; read with one systemctl show. */
export const systemd = defineModule({
  name: 'systemd',
  params: systemdParams,
  facts: (params) => unitFact(params.name),
  plan(u: UnitState, p): SystemdChange[] {
    const changes: SystemdChange[] = [];
    const add = (kind: SystemdKind, summary: string, before?: string, after?: string) =>
      changes.push({ kind, target: p.name, summary, ...(before !== undefined ? { before, after } : {}), payload: { unit: p.name } });
    const masked = u.loadState === 'masked' || u.unitFileState === 'masked';
    const notFound = u.loadState === 'not-found';
    const acting = p.state !== undefined || p.enabled !== undefined;
    if (p.daemonReload === true) add('systemd.daemon-reload', 'daemon-reload');
    else if (p.daemonReload === 'auto' && (u.needDaemonReload || (notFound && acting))) {
      add('systemd.daemon-reload', u.needDaemonReload ? 'daemon-reload (unit files changed on disk)' : 'daemon-reload (unit not loaded yet)');
    }
    if (p.masked === false && masked) add('systemd.unmask', 'unmask', 'masked', 'unmasked');
    if (p.enabled === true && !ENABLED.has(u.unitFileState)) add('systemd.enable', 'enable', u.unitFileState || 'not found', 'enabled');
    if (p.enabled === false && DISABLEABLE.has(u.unitFileState)) add('systemd.disable', 'disable', u.unitFileState, 'disabled');
    const running = RUNNING.has(u.activeState);
    if (p.state === 'started' && !running) add('systemd.start', 'start', u.activeState, 'active');
    if (p.state === 'stopped' && running) add('systemd.stop', 'stop', u.activeState, 'inactive');
    if (p.state === 'restarted') add('systemd.restart', running ? 'restart' : `restart (was ${u.activeState})`);
    // Reloading a stopped unit fails; like Ansible, reloaded starts it instead.
    if (p.state === 'reloaded') {
      if (running) add('systemd.reload', 'reload');
      else add('systemd.start', `start (reloaded, was ${u.activeState})`, u.activeState, 'active');
    }
    if (p.masked === true && !masked) add('systemd.mask', 'mask', u.unitFileState || 'not found', 'masked');
    return changes;
  },
  async apply(ctx, changes) {
    // One round trip; && stops at the first failure, which exec reports with its stderr.
    await ctx.exec(joinCommands(systemctlCommands(changes), ' && '));
  },
});

/** The verbs that change unit files: systemctl reloads the manager after each (unless --no-reload). */
const RELOADING = new Set<SystemdKind>(['systemd.unmask', 'systemd.enable', 'systemd.disable', 'systemd.mask']);

/**
 * The systemctl commands for planned changes, in plan order, with as few systemctl starts as give
 * the same end state: enable then start is `enable --now` (systemctl starts the unit itself right
 * after enabling it), disable then stop is `disable --now`; a daemon-reload right before a verb
 * that changes unit files is left to that verb, which reloads the manager after its own change
 * (it works on the files on disk, not on what the manager loaded, so the order makes no difference).
 */
export function systemctlCommands(changes: readonly SystemdChange[]): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (let i = 0; i < changes.length; i++) {
    const { kind, payload: { unit } } = changes[i]!;
    const next = changes[i + 1]?.kind;
    switch (kind) {
      case 'systemd.daemon-reload':
        if (next === undefined || !RELOADING.has(next)) commands.push(sh`systemctl daemon-reload`);
        break;
      case 'systemd.unmask':
        commands.push(sh`systemctl unmask -- ${unit}`);
        break;
      case 'systemd.enable':
        if (next === 'systemd.start') i++;
        commands.push(next === 'systemd.start' ? sh`systemctl enable --now -- ${unit}` : sh`systemctl enable -- ${unit}`);
        break;
      case 'systemd.disable':
        if (next === 'systemd.stop') i++;
        commands.push(next === 'systemd.stop' ? sh`systemctl disable --now -- ${unit}` : sh`systemctl disable -- ${unit}`);
        break;
      case 'systemd.start':
        commands.push(sh`systemctl start -- ${unit}`);
        break;
      case 'systemd.stop':
        commands.push(sh`systemctl stop -- ${unit}`);
        break;
      case 'systemd.restart':
        commands.push(sh`systemctl restart -- ${unit}`);
        break;
      case 'systemd.reload':
        commands.push(sh`systemctl reload -- ${unit}`);
        break;
      case 'systemd.mask':
        commands.push(sh`systemctl mask -- ${unit}`);
        break;
    }
  }
  return commands;
}
