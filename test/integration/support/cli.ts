import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MeshbookEvent } from '@meshbook/engine';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = `${REPO_ROOT}packages/cli/bin/meshbook.js`;
const BUILT_CLI = `${REPO_ROOT}packages/cli/dist/bundle/package.cjs`;

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The `--json` events, when the run asked for them. */
  events: MeshbookEvent[];
}

/**
 * Runs the real `meshbook` bin as a user would (a child process, the built bundles, TypeScript
 * playbooks compiled by the CLI), from the repository root.
 */
export function meshbook(args: string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
  if (!existsSync(BUILT_CLI) || statSync(BUILT_CLI).mtimeMs < statSync(`${REPO_ROOT}packages/cli/src/main.ts`).mtimeMs) {
    throw new Error('the packages are not built (or older than their sources): run `pnpm build` first');
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const events = args.includes('--json')
          ? stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as MeshbookEvent)
          : [];
        resolve({ exitCode, stdout, stderr, events });
      },
    );
  });
}

export function recapOf(run: CliRun) {
  const recap = run.events.find((e) => e.type === 'recap');
  if (!recap || recap.type !== 'recap') throw new Error(`no recap in the run's events (exit ${run.exitCode}):\n${run.stderr}\n${run.stdout.slice(-2000)}`);
  return recap.hosts;
}
