import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { MeshbookError } from '@meshbook/engine';
import { kubeLoadBalancerAddress } from '@meshbook/modules';
import { useHosts } from '../support/prove.js';
import { initClusters } from '../support/kube-cluster.js';
import { metallbIpAddressPoolCrd } from '../support/metallb.js';

/**
 * kubeLoadBalancerAddress (seed 004-08) on a one-node cluster of the kubeadm double: a read of the
 * address MetalLB gives a LoadBalancer Service, through the SSH connection's TCP forward (the API
 * listens on the host's loopback). The API server double's MetalLB controller assigns addresses
 * once MetalLB's CRD and a pool exist; the real kubectl on the host judges.
 */
const hosts = useHosts(1);
const t = () => hosts.transport('node1');
const kubectl = (args: string[], stdin?: string) => hosts.fleet().exec('node1', ['kubectl', ...args], stdin === undefined ? {} : { stdin });
const params = { name: 'clustermesh-apiserver', namespace: 'kube-system', port: 'apiserv' };
const service = (name: string, type: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'kube-system' }, spec: { type, selector: { k8s: name }, ports: [{ name: 'metrics', port: 9962 }, { name: 'apiserv', port: 2379 }] } });
const metallbCrd = JSON.stringify(metallbIpAddressPoolCrd);
/** Services, ConfigMaps, Secrets and pools everywhere, each with its resourceVersion: any write shows. */
async function snapshot(): Promise<string> {
  const r = await kubectl(['get', 'svc,cm,secret,ipaddresspools.metallb.io', '-A', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}
let clientKeyLine = '';
let poolAddress = '';

beforeAll(async () => {
  await initClusters(hosts.fleet(), ['node1']);
  clientKeyLine = (await hosts.sh('node1', "sed -n 's/^ *client-key-data: //p' /root/.kube/config | base64 -d")).split('\n')[1]!;
  expect(clientKeyLine.length).toBeGreaterThan(20);
  // The pool holds the host's own address: a value in the API only, never dialled.
  poolAddress = hosts.fleet().host('node1').ip;
});

describe('kubeLoadBalancerAddress', () => {
  it('pending while no pool has an address, then the address MetalLB assigns', async () => {
    expect((await kubectl(['create', '-f', '-'], service('clustermesh-apiserver', 'LoadBalancer'))).exitCode).toBe(0);
    const pending = await kubeLoadBalancerAddress.run(t(), { ...params, timeoutSeconds: 2 }).catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(MeshbookError);
    expect((pending as MeshbookError).code).toBe('TIMEOUT');
    expect((pending as MeshbookError).message).toMatch(/^Service kube-system\/clustermesh-apiserver: still lacks a LoadBalancer ingress address .* after 2 s$/);
    expect((await kubectl(['get', 'svc', 'clustermesh-apiserver', '-n', 'kube-system', '-o', 'jsonpath={.status.loadBalancer}'])).stdout).toBe('{}');

    // The module waits; MetalLB's CRD and a pool arrive meanwhile.
    const waiting = kubeLoadBalancerAddress.run(t(), { ...params, timeoutSeconds: 120 });
    waiting.catch(() => undefined);
    expect((await kubectl(['create', '-f', '-'], metallbCrd)).exitCode).toBe(0);
    expect((await kubectl(['create', 'namespace', 'metallb-system'])).exitCode).toBe(0);
    const pool = JSON.stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'clustermesh', namespace: 'metallb-system' }, spec: { addresses: [`${poolAddress}/32`] } });
    // The CRD is served a moment after it is created: retry the pool until it is.
    for (let i = 0; ; i++) {
      const created = await kubectl(['create', '-f', '-'], pool);
      if (created.exitCode === 0) break;
      if (i > 40) throw new Error(created.stderr);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const result = await waiting;
    expect(result.output).toEqual({ address: poolAddress, port: 2379 });
    expect(result.changed).toBe(false);
    expect(result.changes).toEqual([]);
    const live = JSON.parse((await kubectl(['get', 'svc', 'clustermesh-apiserver', '-n', 'kube-system', '-o', 'json'])).stdout);
    expect(live.status.loadBalancer.ingress[0].ip).toBe(poolAddress);
    expect(live.metadata.annotations['metallb.io/ip-allocated-from-pool']).toBe('clustermesh');
  });

  it('run again and in check mode: the same address, no change, nothing written to the API', async () => {
    const before = await snapshot();
    const again = await kubeLoadBalancerAddress.run(t(), params);
    const check = await kubeLoadBalancerAddress.run(t(), params, { check: true, diff: true });
    for (const result of [again, check]) {
      expect(result.output).toEqual({ address: poolAddress, port: 2379 });
      expect(result.changed).toBe(false);
      expect(result.changes).toEqual([]);
      expect(result.diff).toBeUndefined();
    }
    expect(check.check).toBe(true);
    // the first port when none is named
    expect((await kubeLoadBalancerAddress.run(t(), { name: params.name, namespace: params.namespace })).output).toEqual({ address: poolAddress, port: 9962 });
    expect(await snapshot()).toBe(before);
  });

  it('a Service that is not a LoadBalancer: a clear error at once, naming it, the host and the fix; a missing one likewise', async () => {
    expect((await kubectl(['create', '-f', '-'], service('clustermesh-nodeport', 'NodePort'))).exitCode).toBe(0);
    for (const check of [false, true]) {
      // An hour's timeout: waiting for an address that can never come would outlast the test.
      const error = await kubeLoadBalancerAddress.run(t(), { name: 'clustermesh-nodeport', namespace: 'kube-system', timeoutSeconds: 3600 }, { check }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MeshbookError);
      expect((error as MeshbookError).message).toBe('Service kube-system/clustermesh-nodeport has no LoadBalancer address: it is not of type LoadBalancer (it is NodePort)');
      expect((error as MeshbookError).host).toBe('node1');
      expect((error as MeshbookError).hint).toContain('--service-type LoadBalancer');
    }
    const missing = await kubeLoadBalancerAddress.run(t(), { name: 'no-such-service', namespace: 'kube-system' }).catch((e: unknown) => e);
    expect((missing as MeshbookError).message).toBe("Service kube-system/no-such-service does not exist on node1's cluster");
    // the Service is left as it was: a NodePort without an address
    const live = JSON.parse((await kubectl(['get', 'svc', 'clustermesh-nodeport', '-n', 'kube-system', '-o', 'json'])).stdout);
    expect(live.spec.type).toBe('NodePort');
    expect(live.status.loadBalancer).toEqual({});
  }, 60_000);

  it('nothing leaks: no forwarded connection stays open on the host, no credential in any result or error', async () => {
    const shown: string[] = [];
    const keep = (value: unknown) => shown.push(JSON.stringify(value), inspect(value, { depth: 20 }));
    keep(await kubeLoadBalancerAddress.run(t(), params));
    keep(await kubeLoadBalancerAddress.run(t(), params, { check: true }));
    keep(await kubeLoadBalancerAddress.run(t(), { ...params, name: 'clustermesh-nodeport' }).catch((e: unknown) => e));
    keep(await kubeLoadBalancerAddress.run(t(), { ...params, name: 'no-such-service' }).catch((e: unknown) => e));
    for (const text of shown) expect(text).not.toContain(clientKeyLine);
    // sshd's end of each TCP forward to the API closes with its request (a moment after, at most)
    const forwards = await hosts.fleet().exec('node1', ['sh', '-c', `for i in $(seq 40); do
      [ "$(ss -Htnp state established '( dport = :6443 )' | grep -c sshd)" -eq 0 ] && exit 0; sleep 0.25
    done; ss -Htnp state established '( dport = :6443 )'; exit 1`]);
    expect(forwards.exitCode, forwards.stdout).toBe(0);
    // the connection carries on for the next task
    expect((await kubeLoadBalancerAddress.run(t(), params)).output).toEqual({ address: poolAddress, port: 2379 });
  });
});
