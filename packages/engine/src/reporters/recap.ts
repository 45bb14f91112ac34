import type { EventOf, HostCounts } from '../events/types.js';
import { banner, formatDuration, statusColor } from './style.js';
import type { Colors } from './style.js';

/** Ansible's `PLAY RECAP` block, plus the interrupted notice and hosts whose state is unknown. */
export function renderRecap(event: EventOf<'recap'>, c: Colors, verbosity: number): string[] {
  const lines = ['', banner('PLAY RECAP')];
  const names = Object.keys(event.hosts);
  const width = Math.max(0, ...names.map((n) => n.length));
  for (const name of names) {
    const counts = event.hosts[name] as HostCounts;
    const hostColor = counts.failed > 0 ? c.red : counts.unreachable > 0 ? (t: string) => c.bold(c.red(t)) : counts.changed > 0 ? c.yellow : c.green;
    const field = (label: string, value: number, color: (t: string) => string) => {
      const text = `${label}=${value}`;
      return (value > 0 ? color(text) : text).padEnd(label.length + 1 + String(value).length);
    };
    const parts = [
      field('ok', counts.ok, statusColor(c, 'ok')),
      field('changed', counts.changed, statusColor(c, 'changed')),
      field('unreachable', counts.unreachable, statusColor(c, 'unreachable')),
      field('failed', counts.failed, statusColor(c, 'failed')),
      field('skipped', counts.skipped, statusColor(c, 'skipped')),
      field('rescued', counts.rescued, statusColor(c, 'ignored')),
      field('ignored', counts.ignored, statusColor(c, 'ignored')),
    ];
    if (verbosity >= 1) parts.push(`round_trips=${counts.roundTrips}`);
    // Pad before colouring so the columns line up with or without escape codes.
    lines.push(`${hostColor(name)}${' '.repeat(width - name.length)} : ${parts.join('  ')}`);
  }
  if (verbosity >= 1) lines.push('', `duration: ${formatDuration(event.durationMs)}`);
  if (event.interrupted) lines.push('', c.bold(c.red(`INTERRUPTED: ${event.interrupted}`)));
  if (event.unknownState && event.unknownState.length > 0) {
    lines.push(
      c.red(`state unknown on: ${event.unknownState.join(', ')}`),
      '  a task was stopped midway on these hosts; run the playbook again to converge them',
    );
  }
  return lines;
}
