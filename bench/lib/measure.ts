import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpuSeconds, descendants, processesWithArgument, pssKb } from './process-tree.js';

export interface Measurement {
  exitCode: number;
  wallSeconds: number;
  /** user+sys of the whole process tree (GNU time: the command and every child it waited for), plus detached helpers. */
  cpuSeconds: number;
  /** The largest single process's max RSS (GNU time %M). */
  maxRssMb: number;
  /** Peak of the summed PSS of the process tree (and detached helpers), sampled every 500 ms. */
  peakTreePssMb: number;
  /** CPU the harness itself (mostly the memory sampler) used meanwhile: its cost to the measured tool. */
  harnessCpuSeconds: number;
  stdoutPath: string;
}

export interface MeasureOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutPath: string;
  stderrPath: string;
  /**
   * Processes that leave the tree but work for the command (Ansible's ControlPersist ssh masters
   * daemonize): found by this command-line marker, sampled for memory, their CPU added, and ended
   * by pid once the command is done so the next run starts without them.
   */
  detachedHelperMarker?: string;
}

// Sampling costs the harness CPU on a 2-core machine the tools share: smaps_rollup walks page
// tables. Ansible's workers and masters live for the whole run, meshbook is one process whose max
// RSS GNU time reports exactly, so a coarse interval loses little.
const SAMPLE_MS = 500;
const HELPER_SCAN_EVERY = 4; // samples: masters live for the whole run, a scan every 2 s finds them

/** Runs argv under GNU time, sampling the tree's memory, and returns wall, CPU and memory. */
export async function measure(argv: readonly string[], options: MeasureOptions): Promise<Measurement> {
  const timeOutput = `${options.stderrPath}.time`;
  const started = process.hrtime.bigint();
  const harnessCpuBefore = process.cpuUsage();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeOutput, ...argv], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(createWriteStream(options.stdoutPath));
  child.stderr.pipe(createWriteStream(options.stderrPath));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

  let running = true;
  let peakKb = 0;
  let helpers: number[] = [];
  const sampler = (async () => {
    for (let i = 0; running; i++) {
      if (options.detachedHelperMarker && i % HELPER_SCAN_EVERY === 0) helpers = await processesWithArgument(options.detachedHelperMarker);
      const tree = new Set([...(await descendants(child.pid!)), ...helpers]);
      tree.delete(child.pid!); // GNU time itself is the harness's, not the tool's
      let total = 0;
      for (const pid of tree) total += await pssKb(pid);
      peakKb = Math.max(peakKb, total);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();

  const exitCode = await exited;
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  running = false;
  await sampler;
  const harnessCpu = process.cpuUsage(harnessCpuBefore);

  let helperCpu = 0;
  if (options.detachedHelperMarker) {
    for (const pid of await processesWithArgument(options.detachedHelperMarker)) {
      helperCpu += await cpuSeconds(pid);
      try {
        process.kill(pid, 'SIGTERM'); // our own run's ssh master, by pid
      } catch {
        // already gone
      }
    }
  }

  const [user, sys, maxRssKb] = (await readFile(timeOutput, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  return {
    exitCode,
    wallSeconds,
    cpuSeconds: user! + sys! + helperCpu,
    maxRssMb: maxRssKb! / 1024,
    peakTreePssMb: peakKb / 1024,
    harnessCpuSeconds: (harnessCpu.user + harnessCpu.system) / 1e6,
    stdoutPath: options.stdoutPath,
  };
}
