import { createColors } from 'picocolors';
import type { HostStatus } from '../events/types.js';

export type Colors = ReturnType<typeof createColors>;

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantsColor(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY === true;
}

export function colors(enabled: boolean): Colors {
  return createColors(enabled);
}

/** Ansible's palette: green ok, yellow changed, red failed/unreachable, cyan skipped. */
export function statusColor(c: Colors, status: HostStatus | 'ignored'): (text: string) => string {
  switch (status) {
    case 'ok':
      return c.green;
    case 'changed':
      return c.yellow;
    case 'failed':
      return c.red;
    case 'unreachable':
      return (t) => c.bold(c.red(t));
    case 'skipped':
      return c.cyan;
    case 'ignored':
      return c.cyan;
  }
}

/** `TITLE [name] ****…` padded to the width like Ansible's headers. */
export function banner(title: string, width = 80): string {
  const head = `${title} `;
  return head + '*'.repeat(Math.max(3, width - head.length));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
