// One entry of the `cilium-clustermesh` Secret: the peer cluster's etcd-style client config, as
// the agents read it (`endpoints:` plus the files holding the CA and the client certificate).
// The double dials the endpoint address and checks the peer's certificate for
// `<peer>.mesh.cilium.io`, which is what the agents check after their host aliases resolve it.
import { parse } from 'yaml';
import { meshDomain } from './names.js';

export interface PeerEntry {
  name: string;
  endpoints: { host: string; port: number }[];
  /** Only with --allow-mismatching-ca: the peer's own CA, trusted next to ours. */
  extraCaPem?: string;
}

const mountDir = '/var/lib/cilium/clustermesh';
const clusterName = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function validClusterName(name: string): boolean {
  return clusterName.test(name);
}

export function peerServerName(peer: string): string {
  return `${peer}.${meshDomain}`;
}

function endpointUrl(e: { host: string; port: number }): string {
  return `https://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/** The Secret's data for one peer (plain text; the caller base64-encodes). */
export function formatPeerEntry(entry: PeerEntry): Record<string, string> {
  if (!validClusterName(entry.name)) throw new Error(`cluster name ${JSON.stringify(entry.name)} is not a valid Cilium cluster name`);
  const caFile = entry.extraCaPem ? `${mountDir}/${entry.name}.etcd-client-ca.crt` : `${mountDir}/common-etcd-client-ca.crt`;
  const config = [
    'endpoints:',
    ...entry.endpoints.map((e) => `- ${endpointUrl(e)}`),
    `trusted-ca-file: ${caFile}`,
    `key-file: ${mountDir}/common-etcd-client.key`,
    `cert-file: ${mountDir}/common-etcd-client.crt`,
    '',
  ].join('\n');
  const data: Record<string, string> = { [entry.name]: config };
  if (entry.extraCaPem) data[`${entry.name}.etcd-client-ca.crt`] = entry.extraCaPem;
  return data;
}

/** Every peer configured in the Secret's (decoded) data, skipping `self` as cilium-cli does. */
export function parsePeerEntries(data: Record<string, string>, self?: string): PeerEntry[] {
  const peers: PeerEntry[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === self || key.includes('.') || !value.includes('endpoints:')) continue;
    let doc: { endpoints?: unknown };
    try {
      doc = (parse(value) ?? {}) as { endpoints?: unknown };
    } catch {
      continue;
    }
    const endpoints: PeerEntry['endpoints'] = [];
    for (const raw of Array.isArray(doc.endpoints) ? doc.endpoints : []) {
      try {
        const url = new URL(String(raw));
        endpoints.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) });
      } catch {
        // An endpoint that is not a URL is skipped, as the agent's etcd client would fail on it.
      }
    }
    const extraCaPem = data[`${key}.etcd-client-ca.crt`];
    peers.push({ name: key, endpoints, ...(extraCaPem ? { extraCaPem } : {}) });
  }
  return peers.sort((a, b) => a.name.localeCompare(b.name));
}

export function decodeSecretData(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

export function encodeSecretData(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.from(v, 'utf8').toString('base64');
  return out;
}
