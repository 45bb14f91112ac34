import { describe, expect, it } from 'vitest';
import { renderClusterYml } from './cluster-yml.js';
import { rkeClusterProblems, rkeNodeVars } from './vars.js';

const node = (name: string, host: string, extra: Record<string, unknown> = {}) => ({
  name,
  vars: {
    ansible_host: '127.0.0.1', ansible_port: 22301, ansible_user: 'root', ansible_ssh_private_key_file: '/lab/id_ed25519',
    upstream_ip: host, cluster_name: 'cluster1', cluster_id: 1, pod_cidr: '10.42.0.0/16', service_cidr: '10.45.0.0/16',
    cluster_dns: '10.45.0.10', cluster_domain: 'cluster.local', rke_roles: ['controlplane', 'etcd', 'worker'], network_plugin: 'none',
    metallb_range: '10.197.1.190-10.197.1.199', rke_cluster_dir: 'clusters/cluster1', ...extra,
  },
});
const cluster2 = (name: string, host: string, extra: Record<string, unknown> = {}) => node(name, host, {
  cluster_name: 'cluster2', cluster_id: 2, pod_cidr: '10.44.0.0/16', metallb_range: '10.197.2.190-10.197.2.199', rke_cluster_dir: 'clusters/cluster2', ...extra,
});

describe('seed 004 cluster rules', () => {
  it('accepts two clusters with their own cluster_cidr, id, MetalLB range and directory', () => {
    expect(rkeClusterProblems([node('a', '10.197.1.165'), node('b', '10.197.1.175'), cluster2('c', '10.197.2.163')])).toEqual([]);
  });

  it('refuses two clusters with the same cluster_cidr', () => {
    expect(rkeClusterProblems([node('a', '10.197.1.165'), cluster2('c', '10.197.2.163', { pod_cidr: '10.42.0.0/16' })]))
      .toEqual([expect.stringContaining('cluster1 pod_cidr 10.42.0.0/16 overlaps cluster2 pod_cidr 10.42.0.0/16')]);
  });

  it('refuses MetalLB ranges that overlap, by a single address too', () => {
    const problems = rkeClusterProblems([node('a', '10.197.1.165', { metallb_range: '10.195.197.190-10.195.197.195' }), cluster2('c', '10.197.2.163', { metallb_range: '10.195.197.195-10.195.197.199' })]);
    expect(problems).toEqual([expect.stringContaining('cluster1 metallb_range 10.195.197.190-10.195.197.195 overlaps cluster2 metallb_range 10.195.197.195-10.195.197.199')]);
  });

  it('refuses a range written backwards and a CNI other than none, naming the field', () => {
    const bad = rkeNodeVars.safeParse({ ...node('a', '10.197.1.165').vars, metallb_range: '10.0.0.9-10.0.0.1', network_plugin: 'canal' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['metallb_range', 'network_plugin']);
  });
});

describe('cluster.yml', () => {
  it('names every node as the controller reaches it, with its internal address, roles and key', () => {
    const members = [node('k8s-cluster1-node-1', '10.197.1.175', { ansible_port: 22302 }), node('k8s-cluster1-node-0', '10.197.1.165')]
      .map((m) => ({ name: m.name, vars: rkeNodeVars.parse(m.vars) }));
    expect(renderClusterYml(members)).toBe(`# Written by meshbook (seed 004-04): rke up reads it from this directory.
cluster_name: "cluster1"
nodes:
- address: "127.0.0.1"
  port: "22301"
  internal_address: "10.197.1.165"
  hostname_override: "k8s-cluster1-node-0"
  user: "root"
  role:
  - "controlplane"
  - "etcd"
  - "worker"
  docker_socket: "/var/run/docker.sock"
  ssh_key_path: "/lab/id_ed25519"
- address: "127.0.0.1"
  port: "22302"
  internal_address: "10.197.1.175"
  hostname_override: "k8s-cluster1-node-1"
  user: "root"
  role:
  - "controlplane"
  - "etcd"
  - "worker"
  docker_socket: "/var/run/docker.sock"
  ssh_key_path: "/lab/id_ed25519"
network:
  plugin: "none"
services:
  kube-api:
    service_cluster_ip_range: "10.45.0.0/16"
  kube-controller:
    cluster_cidr: "10.42.0.0/16"
    service_cluster_ip_range: "10.45.0.0/16"
  kubelet:
    cluster_domain: "cluster.local"
    cluster_dns_server: "10.45.0.10"
`);
  });
});
