import { cpus, loadavg, release, totalmem } from 'node:os';
import { capture } from './shell.js';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  kernel: string;
  node: string;
  ansible: string;
  gitCommit: string;
  /** Engine/modules files changed but not committed when the run ended (others work in this tree). */
  uncommittedEngineFiles: number;
  loadAverageAtEnd: number[];
  date: string;
}

export async function machineFacts(repoRoot: string, ansibleVersion: string): Promise<MachineFacts> {
  const commit = await capture(['git', 'rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  const dirty = await capture(['git', 'status', '--porcelain', 'packages/engine/src', 'packages/modules/src', 'packages/cli/src'], { cwd: repoRoot });
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    ansible: ansibleVersion,
    gitCommit: commit.stdout.trim(),
    uncommittedEngineFiles: dirty.stdout.split('\n').filter(Boolean).length,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}
