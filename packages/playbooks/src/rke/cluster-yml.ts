import type { RkeNodeVars } from './vars.js';

export interface RkeClusterMember {
  /** inventory name: the node's Kubernetes name (hostname_override) */
  name: string;
  vars: RkeNodeVars;
}

/**
 * One cluster's cluster.yml, in RKE v1's documented fields: every node as the controller reaches
 * it (address, port, user, key), its address inside the cluster (internal_address), its roles;
 * no CNI (`network.plugin: none`); the cluster's own cluster_cidr, the service range and DNS.
 */
export function renderClusterYml(members: readonly RkeClusterMember[]): string {
  if (members.length === 0) throw new Error('a cluster.yml needs at least one node');
  const first = members[0]!.vars;
  const doc = {
    cluster_name: first.cluster_name,
    nodes: [...members].sort((a, b) => a.name.localeCompare(b.name)).map(({ name, vars }) => ({
      address: vars.ansible_host,
      port: String(vars.ansible_port),
      internal_address: vars.upstream_ip,
      hostname_override: name,
      user: vars.ansible_user,
      role: vars.rke_roles,
      docker_socket: '/var/run/docker.sock',
      ssh_key_path: vars.ansible_ssh_private_key_file,
    })),
    network: { plugin: first.network_plugin },
    services: {
      'kube-api': { service_cluster_ip_range: first.service_cidr },
      'kube-controller': { cluster_cidr: first.pod_cidr, service_cluster_ip_range: first.service_cidr },
      kubelet: { cluster_domain: first.cluster_domain, cluster_dns_server: first.cluster_dns },
    },
  };
  return `# Written by meshbook (seed 004-04): rke up reads it from this directory.\n${toYaml(doc, '')}`;
}

type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml };

/**
 * Block YAML for plain data. Every scalar is a JSON string or number, which YAML reads as the
 * same value: no inventory value can turn into a key, a tag or another document.
 */
function toYaml(value: { [key: string]: Yaml }, indent: string): string {
  return Object.entries(value).map(([k, v]) => {
    const key = /^[a-z_][a-z0-9_-]*$/.test(k) ? k : JSON.stringify(k);
    if (Array.isArray(v)) return `${indent}${key}:\n${sequence(v, indent)}`;
    if (typeof v === 'object') return `${indent}${key}:\n${toYaml(v, `${indent}  `)}`;
    return `${indent}${key}: ${JSON.stringify(v)}\n`;
  }).join('');
}

/** A sequence at its key's indentation (the style of RKE's own cluster.yml). */
function sequence(items: Yaml[], indent: string): string {
  return items.map((item) => {
    if (Array.isArray(item)) throw new Error('nested sequences are not part of cluster.yml');
    if (typeof item !== 'object') return `${indent}- ${JSON.stringify(item)}\n`;
    return `${indent}- ${toYaml(item, `${indent}  `).slice(indent.length + 2)}`;
  }).join('');
}
