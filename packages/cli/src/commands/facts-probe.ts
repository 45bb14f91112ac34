import { sh } from '@meshbook/engine';
import type { ShellCommand } from '@meshbook/engine';

export interface BasicFacts {
  hostname: string;
  os: { id?: string; versionId?: string; prettyName?: string };
  kernel: string;
  arch: string;
  cpus: number | null;
  memoryMb: number | null;
}

const SECTIONS = ['hostname', 'os-release', 'kernel', 'arch', 'cpus', 'meminfo'] as const;
type Section = (typeof SECTIONS)[number];

/** One round trip: each probe's output behind a `@@meshbook:<section>` line. */
export const factsProbe: ShellCommand = sh`${sh.raw(
  [
    'echo @@meshbook:hostname; hostname 2>/dev/null || cat /etc/hostname',
    'echo @@meshbook:os-release; cat /etc/os-release 2>/dev/null',
    'echo @@meshbook:kernel; uname -r',
    'echo @@meshbook:arch; uname -m',
    'echo @@meshbook:cpus; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN',
    'echo @@meshbook:meminfo; grep MemTotal /proc/meminfo 2>/dev/null',
  ].join('; '),
)}`;

export function parseFactsProbe(stdout: string): BasicFacts {
  const sections = new Map<Section, string>();
  let current: Section | undefined;
  for (const line of stdout.split('\n')) {
    const marker = /^@@meshbook:(.+)$/.exec(line);
    if (marker && (SECTIONS as readonly string[]).includes(marker[1] ?? '')) {
      current = marker[1] as Section;
      sections.set(current, '');
    } else if (current) {
      sections.set(current, `${sections.get(current)}${line}\n`);
    }
  }
  const text = (s: Section) => (sections.get(s) ?? '').trim();
  const osRelease = parseOsRelease(text('os-release'));
  const cpus = Number.parseInt(text('cpus'), 10);
  const memKb = /MemTotal:\s+(\d+)\s*kB/.exec(text('meminfo'))?.[1];
  return {
    hostname: text('hostname'),
    os: { id: osRelease.ID, versionId: osRelease.VERSION_ID, prettyName: osRelease.PRETTY_NAME },
    kernel: text('kernel'),
    arch: text('arch'),
    cpus: Number.isFinite(cpus) ? cpus : null,
    memoryMb: memKb ? Math.round(Number(memKb) / 1024) : null,
  };
}

/** os-release is KEY=value with optional shell quoting. */
function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}
