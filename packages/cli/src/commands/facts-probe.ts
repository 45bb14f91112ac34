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

/**
 * One batch (one round trip, the transport's framing): each probe its own command, its output
 * apart, in the order of `parseFactsProbe`'s sections.
 */
export const factsProbe: readonly ShellCommand[] = [
  sh`hostname 2>/dev/null || cat /etc/hostname`,
  sh`cat /etc/os-release 2>/dev/null`,
  sh`uname -r`,
  sh`uname -m`,
  sh`nproc 2>/dev/null || getconf _NPROCESSORS_ONLN`,
  sh`grep MemTotal /proc/meminfo 2>/dev/null`,
];

/** The probe's stdouts, in the order of `factsProbe`; a missing one reads as empty. */
export function parseFactsProbe(outputs: readonly string[]): BasicFacts {
  const [hostname, osReleaseText, kernel, arch, cpusText, meminfo] = factsProbe.map((_, i) => (outputs[i] ?? '').trim());
  const osRelease = parseOsRelease(osReleaseText!);
  const cpus = Number.parseInt(cpusText!, 10);
  const memKb = /MemTotal:\s+(\d+)\s*kB/.exec(meminfo!)?.[1];
  return {
    hostname: hostname!,
    os: { id: osRelease.ID, versionId: osRelease.VERSION_ID, prettyName: osRelease.PRETTY_NAME },
    kernel: kernel!,
    arch: arch!,
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
