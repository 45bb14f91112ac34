import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { measure } from './measure.js';

export interface PlaybookCompile {
  /** `run --syntax-check` with no compiled playbook cached: compiles it (esbuild) and caches it. */
  coldCpuSeconds: number;
  coldWallSeconds: number;
  /** The same with the cache filled: what every measured run starts from. */
  warmCpuSeconds: number;
}

/**
 * The CLI compiles a TypeScript playbook once per edit and keeps it in node_modules/.cache/meshbook
 * (like Python's __pycache__, which Ansible's own modules come with). Measured runs start warm; this
 * reports what the first run after an edit adds, and leaves the cache warm. --syntax-check loads
 * everything a run does before connecting and connects to nothing.
 */
export async function measurePlaybookCompile(repoRoot: string, dir: string): Promise<PlaybookCompile> {
  const inventory = join(dir, 'compile-inventory.json');
  await writeFile(inventory, JSON.stringify({ all: { children: { bench_nodes: { hosts: { n1: { ansible_host: '127.0.0.1', bench_node_ip: '10.0.0.1', bench_node_name: 'n1' } } } } } }));
  const argv = [process.execPath, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--syntax-check'];
  const io = (name: string) => ({ cwd: repoRoot, env: process.env, stdoutPath: join(dir, `${name}.out`), stderrPath: join(dir, `${name}.err`) });
  await rm(join(repoRoot, 'node_modules/.cache/meshbook/playbooks'), { recursive: true, force: true });
  const cold = await measure(argv, io('compile-cold'));
  const warm = await measure(argv, io('compile-warm'));
  if (cold.exitCode !== 0 || warm.exitCode !== 0) throw new Error(`meshbook --syntax-check failed: see ${dir}/compile-*.err`);
  return { coldCpuSeconds: cold.cpuSeconds, coldWallSeconds: cold.wallSeconds, warmCpuSeconds: warm.cpuSeconds };
}

/** Compiles the workload playbook if its cache is stale (a --syntax-check), measuring nothing. */
export async function warmPlaybookCompile(root: string, dir: string): Promise<void> {
  const inventory = join(dir, 'compile-inventory.json');
  await writeFile(inventory, JSON.stringify({ all: { children: { bench_nodes: { hosts: { n1: { ansible_host: '127.0.0.1', bench_node_ip: '10.0.0.1', bench_node_name: 'n1' } } } } } }));
  const argv = [process.execPath, 'packages/cli/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '--syntax-check'];
  const warm = await measure(argv, { cwd: root, env: process.env, stdoutPath: join(dir, 'warm.out'), stderrPath: join(dir, 'warm.err') });
  if (warm.exitCode !== 0) throw new Error(`meshbook --syntax-check in ${root} failed: see ${dir}/warm.err`);
}
