// `node --import tsx bench/experiments/prefetch-facts.ts [N]`: what batching a play's read-only
// checks into one round trip per host would save on a no-op re-run, measured with the engine's
// public API (no engine change). On a fresh fleet after one real run of the workload:
//   cold:     each task gathers in turn, all hosts in lockstep (what the runner does today);
//   prefetch: first every task's fact requests are recorded (gather run against a recording
//             context, tasks whose params need a not-yet-registered output skipped), sent in one
//             FactCache batch per host, then the same lockstep pass runs against the warm cache.
// Both passes gather and plan only (check mode): the hosts are converged, nothing would change.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FactCache, connectSsh, type FactRequest, type HostContext, type ModuleContext, type Transport } from '@meshbook/engine';
import { startFleet, type Fleet } from '../../packages/fleet/src/index.ts';
import { installPythonApt } from '../lib/hosts.js';
import { writeInventory } from '../lib/inventory.js';
import { capture } from '../lib/shell.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const hostCount = Number(process.argv[2] ?? 16);

type AnyTask = { kind: string; module: any; params: unknown; name?: string; register?: { name: string } };
const playbook = (await import('../workload/meshbook.ts')).default as unknown as { plays: Array<{ tasks: AnyTask[] }> };
const tasks = playbook.plays[0]!.tasks.filter((t) => t.kind === 'task');

/** A read-only command run through ctx.run in gather, turned into a cacheable fact. */
const adHocFact = (command: { text: string; display: string }): FactRequest => ({
  fact: { name: 'adhoc.run', command: () => command, parse: (r) => r },
  args: command.text,
});

class Recorded extends Error {}

interface HostState {
  name: string;
  vars: Record<string, unknown>;
  transport: Transport;
  cache: FactCache;
  registered: Map<string, unknown>;
}

function hostContext(h: HostState): HostContext {
  const missing = (ref: { name: string }) => {
    if (!h.registered.has(ref.name)) throw new Recorded(`needs ${ref.name}`);
    return h.registered.get(ref.name);
  };
  return {
    name: h.name,
    vars: h.vars,
    groups: {},
    groupNames: [],
    check: true,
    var: (name: string) => h.vars[name] as never,
    hostvars: () => ({}),
    result: () => undefined,
    output: missing as never,
  };
}

function moduleContext(h: HostState, mode: 'record' | 'replay', recorded: FactRequest[]): ModuleContext {
  const record = (requests: FactRequest[]): never => {
    recorded.push(...requests);
    throw new Recorded('recorded');
  };
  return {
    host: h.name,
    transport: h.transport,
    become: undefined,
    signal: undefined,
    run: async (command) => (mode === 'record' ? record([adHocFact(command)]) : ((await h.cache.get(adHocFact(command))) as never)),
    exec: async () => {
      throw new Error('gather must not exec');
    },
    put: async () => {
      throw new Error('gather must not put');
    },
    get: (path, o) => h.transport.get(path, o),
    fact: (request) => (mode === 'record' ? record([request]) : h.cache.get(request)),
    facts: ((requests: Record<string, FactRequest>) =>
      mode === 'record' && Object.keys(requests).length > 0 ? record(Object.values(requests)) : h.cache.gather(requests)) as never,
    progress: () => {},
  };
}

/** One lockstep pass over the tasks: gather (+ plan) on every host, task by task. */
async function lockstepPass(hosts: HostState[]): Promise<void> {
  for (const task of tasks) {
    await Promise.all(
      hosts.map(async (h) => {
        const params = task.module.parse(typeof task.params === 'function' ? (task.params as (c: HostContext) => unknown)(hostContext(h)) : task.params);
        const facts = await task.module.definition.gather(moduleContext(h, 'replay', []), params);
        const changes = task.module.definition.plan(facts, params);
        if (changes.length > 0) throw new Error(`${h.name}: ${task.name} would change: not converged`);
        if (task.register) h.registered.set(task.register.name, task.module.definition.output?.(facts, params));
      }),
    );
  }
}

/** Records every task's first-level fact requests, then sends them in one batch. */
async function prefetch(h: HostState): Promise<number> {
  const recorded: FactRequest[] = [];
  for (const task of tasks) {
    try {
      const params = task.module.parse(typeof task.params === 'function' ? (task.params as (c: HostContext) => unknown)(hostContext(h)) : task.params);
      await task.module.definition.gather(moduleContext(h, 'record', recorded), params);
    } catch (error) {
      if (!(error instanceof Recorded)) throw error;
    }
  }
  await h.cache.gather(Object.fromEntries(recorded.map((r, i) => [`r${i}`, r])));
  return recorded.length;
}

async function connectAll(fleet: Fleet): Promise<HostState[]> {
  return Promise.all(
    fleet.hosts.map(async (host) => {
      const transport = await connectSsh({
        host: host.name,
        address: '127.0.0.1',
        port: host.port,
        user: 'root',
        privateKeyFile: fleet.privateKeyPath,
        knownHostsFile: fleet.knownHostsPath,
        hostKeyPolicy: 'strict',
      });
      const vars = { bench_node_ip: host.ip, bench_node_name: host.name, bench_cluster_name: 'cluster-bench', bench_pod_cidr: '10.244.0.0/16', bench_service_cidr: '10.96.0.0/12' };
      return { name: host.name, vars, transport, cache: new FactCache(transport), registered: new Map() };
    }),
  );
}

const roundTrips = (hosts: HostState[]) => Math.max(...hosts.map((h) => h.transport.stats().roundTrips));

const fleet = await startFleet({ hosts: hostCount, prefix: 'bench-prefetch', purpose: 'test' });
try {
  await installPythonApt(fleet, join(repoRoot, 'bench/results/raw/debs'));
  const inventory = join(repoRoot, 'bench/results/raw/prefetch-inventory.yaml');
  await writeInventory(fleet, 'meshbook', inventory);
  const converge = await capture([process.execPath, 'packages/engine/bin/meshbook.js', 'run', 'bench/workload/meshbook.ts', '-i', inventory, '-f', '32'], { cwd: repoRoot });
  if (converge.exitCode !== 0) throw new Error(`first run failed: ${converge.stdout.slice(-2000)}`);

  for (let round = 1; round <= 3; round++) {
    const cold = await connectAll(fleet);
    let t = performance.now();
    await lockstepPass(cold);
    const coldMs = performance.now() - t;
    const coldRt = roundTrips(cold);

    const warm = await connectAll(fleet);
    t = performance.now();
    const requests = await Promise.all(warm.map(prefetch));
    const prefetchRt = roundTrips(warm);
    await lockstepPass(warm);
    const warmMs = performance.now() - t;
    console.log(
      `N=${hostCount} round ${round}: cold ${coldMs.toFixed(0)} ms, ${coldRt} round trips/host | ` +
        `prefetch ${warmMs.toFixed(0)} ms, ${roundTrips(warm)} round trips/host (${prefetchRt} for the batch of ${requests[0]} checks)`,
    );
    await Promise.all([...cold, ...warm].map((h) => h.transport.close()));
  }
} finally {
  await fleet.destroy();
}
