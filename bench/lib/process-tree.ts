import { readdir, readFile } from 'node:fs/promises';

/** Linux clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream build). */
const TICKS_PER_SECOND = 100;

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null; // the process exited between listing and reading
  }
}

/** The pid and its descendants, walked through /proc/<pid>/task/<tid>/children. */
export async function descendants(root: number): Promise<number[]> {
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tasks) {
      const children = await readOrNull(`/proc/${pid}/task/${tid}/children`);
      for (const child of children?.trim().split(/\s+/).filter(Boolean) ?? []) queue.push(Number(child));
    }
  }
  return found;
}

/** Processes whose command line contains `marker` (e.g. a run's private ControlPath dir). */
export async function processesWithArgument(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readOrNull(`/proc/${entry}/cmdline`);
    if (cmdline?.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** Proportional set size in kB (shared pages split between the processes sharing them). */
export async function pssKb(pid: number): Promise<number> {
  const text = await readOrNull(`/proc/${pid}/smaps_rollup`);
  const match = text?.match(/^Pss:\s+(\d+) kB/m);
  return match ? Number(match[1]) : 0;
}

/** user+sys CPU seconds a live process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readOrNull(`/proc/${pid}/stat`);
  if (!stat) return 0;
  // Fields after the command name (which may hold spaces) start at field 3; utime/stime are 14/15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
