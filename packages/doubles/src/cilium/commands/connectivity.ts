// `cilium connectivity test [--multi-cluster CTX]`, reduced: no test pods run in the lab, so the
// double checks what it can check for real and says so in the test names: the agents' DaemonSet
// ready on every node, this cluster's clustermesh-apiserver answering mutual TLS with its own
// agent certificate, and with --multi-cluster the peer reachable both ways, its nodes imported
// here, and every global service shared by both clusters served with its backends.
import { resources, type KubeObject } from '../kube-client.js';
import { FatalError, type CommandContext } from '../context.js';
import {
  extractAccessInformation,
  readAgentClientMaterial,
  readCaPem,
  readClusterIdentity,
  readPeers,
  requestPeer,
} from '../../clustermesh/cluster-state.js';
import { listGlobalServices, type MeshNode, type MeshService } from '../../clustermesh/local-state.js';
import { ciliumNodeName } from '../../clustermesh/remote-import.js';

interface TestResult {
  name: string;
  actions: { name: string; error?: string }[];
  skipped?: string;
}

const testNamespace = 'cilium-test-1';

export async function connectivityTest(ctx: CommandContext): Promise<void> {
  const client = ctx.client();
  const ns = ctx.namespace;
  const tests: TestResult[] = [];
  const self = await readClusterIdentity(client, ns).catch((err: Error) => {
    throw new FatalError(`unable to retrieve ConfigMap "cilium-config": ${err.message}`);
  });
  ctx.log(`ℹ️  [${client.access.clusterName}] The lab runs no test pods: checking agents, mutual TLS and imported state instead`);

  // 1. Agents on every node.
  const nodes = (await client.list(resources.nodes, undefined)).map((n) => n.metadata.name).sort();
  const ds = await client.getOrUndefined<KubeObject & { status?: { numberReady?: number } }>(resources.daemonsets, ns, 'cilium');
  const ready = ds?.status?.numberReady ?? 0;
  tests.push({
    name: 'agents-ready',
    actions: nodes.map((n, i) => ({ name: `cilium-agent/${n}`, ...(ds ? (i < ready ? {} : { error: `${ready}/${nodes.length} agents ready` }) : { error: 'daemonsets.apps "cilium" not found' }) })),
  });

  // 2. Our own clustermesh-apiserver, as a peer would reach it.
  const own = await (async (): Promise<TestResult> => {
    try {
      const ai = await extractAccessInformation(client, ns, () => {}, false);
      const agent = { ...(await readAgentClientMaterial(client, ns)), caPem: await readCaPem(client, ns) };
      const r = await requestPeer<{ name: string }>({ name: self.name, endpoints: ai.serviceIps.map((host) => ({ host, port: ai.servicePort })) }, agent, '/v1/cluster');
      return { name: 'clustermesh-apiserver', actions: [{ name: `mtls/${self.name}`, ...(r.ok ? (r.body.name === self.name ? {} : { error: `answered as cluster ${r.body.name}` }) : { error: r.error }) }] };
    } catch (err) {
      return { name: 'clustermesh-apiserver', actions: [], skipped: (err as Error).message };
    }
  })();
  tests.push(own);

  // 3. The peer of --multi-cluster, both directions, with what it serves.
  const multi = ctx.flags['multi-cluster'] as string;
  if (multi) {
    const remote = ctx.client(multi);
    const remoteId = await readClusterIdentity(remote, ns);
    const pairs: [typeof client, string, string][] = [
      [client, self.name, remoteId.name],
      [remote, remoteId.name, self.name],
    ];
    const actions: TestResult['actions'] = [];
    let remoteNodes: MeshNode[] = [];
    let remoteServices: MeshService[] = [];
    for (const [from, fromName, toName] of pairs) {
      const peer = (await readPeers(from, ns, fromName)).find((p) => p.name === toName);
      if (!peer) {
        actions.push({ name: `mtls/${fromName}->${toName}`, error: `cluster ${fromName} has no configuration for ${toName} (run cilium clustermesh connect)` });
        continue;
      }
      const agent = { ...(await readAgentClientMaterial(from, ns)), caPem: await readCaPem(from, ns) };
      const r = await requestPeer<MeshNode[]>(peer, agent, '/v1/nodes');
      actions.push({ name: `mtls/${fromName}->${toName}`, ...(r.ok ? {} : { error: r.error }) });
      if (r.ok && from === client) {
        remoteNodes = r.body;
        const s = await requestPeer<MeshService[]>(peer, agent, '/v1/services');
        if (s.ok) remoteServices = s.body;
      }
    }
    tests.push({ name: 'clustermesh-peer', actions });
    const imported = new Set((await client.list(resources.ciliumnodes, undefined).catch(() => [])).map((o) => o.metadata.name));
    tests.push({
      name: 'clustermesh-node-list',
      actions: remoteNodes.map((n) => ({ name: `ciliumnode/${ciliumNodeName(remoteId.name, n.name)}`, ...(imported.has(ciliumNodeName(remoteId.name, n.name)) ? {} : { error: `node ${n.name} of ${remoteId.name} is not imported into ${self.name} yet` }) })),
      ...(remoteNodes.length === 0 ? { skipped: `no nodes received from ${remoteId.name}` } : {}),
    });
    const local = await listGlobalServices(client, self.name);
    const shared = local.filter((l) => remoteServices.some((r) => r.namespace === l.namespace && r.name === l.name));
    tests.push({
      name: 'clustermesh-global-services',
      actions: shared.map((l) => {
        const r = remoteServices.find((x) => x.namespace === l.namespace && x.name === l.name)!;
        const both = l.backends.length + r.backends.length > 0;
        return { name: `service/${l.namespace}/${l.name} (${l.backends.length} local + ${r.backends.length} remote backends)`, ...(both ? {} : { error: 'no backends in either cluster' }) };
      }),
      ...(shared.length === 0 ? { skipped: 'no global service in both clusters' } : {}),
    });
  }

  // --test: regular expressions selecting tests by name; a leading `!` excludes, as in cilium-cli.
  const patterns = (ctx.flags.test as string[] | undefined) ?? [];
  const include = patterns.filter((p) => !p.startsWith('!')).map((p) => new RegExp(p));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => new RegExp(p.slice(1)));
  for (const t of tests) {
    const selected = (include.length === 0 || include.some((r) => r.test(t.name))) && !exclude.some((r) => r.test(t.name));
    if (!selected && !t.skipped) t.skipped = 'not selected by --test';
  }
  const run = tests.filter((t) => !t.skipped);
  ctx.log(`🏃[${testNamespace}] Running ${run.length} tests ...`);
  run.forEach((t, i) => {
    ctx.log(`[=] [${testNamespace}] Test [${t.name}] [${i + 1}/${run.length}]`);
    ctx.log(t.actions.map((a) => (a.error ? 'x' : '.')).join(''));
  });
  const skipped = tests.length - run.length;
  const actions = run.flatMap((t) => t.actions);
  const failedTests = run.filter((t) => t.actions.some((a) => a.error));
  const failedActions = actions.filter((a) => a.error);
  ctx.log('');
  if (failedTests.length === 0) {
    ctx.log(`✅ [${testNamespace}] All ${run.length} tests (${actions.length} actions) successful, ${skipped} tests skipped, 0 scenarios skipped.`);
    return;
  }
  ctx.log(`📋 Test Report [${testNamespace}]`);
  ctx.log(`❌ ${failedTests.length}/${run.length} tests failed (${failedActions.length}/${actions.length} actions), ${skipped} tests skipped, 0 scenarios skipped:`);
  for (const t of failedTests) {
    ctx.log(`Test [${t.name}]:`);
    for (const a of t.actions.filter((x) => x.error)) ctx.log(`  ❌ ${t.name}/${a.name}: ${a.error}`);
  }
  throw new FatalError(`[${testNamespace}] ${failedTests.length} tests failed`);
}
