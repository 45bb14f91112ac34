import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa, issueCertificate, chainsTo, keyMatches, type KeyPair } from '../cilium/pki.js';
import { peerGet, startMtlsServer, type MtlsServer } from './mtls.js';

// Two clusters, each with its own cilium CA, and a third cluster that was given cluster A's CA
// (seed step 000-19): only certificates under one shared CA may talk.
let caA: KeyPair;
let caB: KeyPair;
let serverA: MtlsServer;
const serverCert = (ca: KeyPair) =>
  issueCertificate(ca, { commonName: 'clustermesh-apiserver.cilium.io', dnsNames: ['clustermesh-apiserver.cilium.io', '*.mesh.cilium.io'], ips: ['127.0.0.1'], usage: 'server' });
const clientCert = (ca: KeyPair) => issueCertificate(ca, { commonName: 'remote', usage: 'client' });

beforeAll(async () => {
  caA = generateCa();
  caB = generateCa();
  const a = serverCert(caA);
  serverA = await startMtlsServer({
    host: '127.0.0.1',
    port: 0,
    material: { ...a, caPem: caA.certPem },
    routes: { '/v1/cluster': (_req, cn) => ({ name: 'cluster-a', id: 1, client: cn }) },
  });
});
afterAll(async () => serverA?.close());

const get = (client: KeyPair, trust: string, servername = 'cluster-a.mesh.cilium.io') =>
  peerGet<{ name: string; client: string }>({ host: '127.0.0.1', port: serverA.port, servername, path: '/v1/cluster', tls: { ...client, caPem: trust }, timeoutMs: 3000 });

describe('cilium CA and clustermesh certificates', () => {
  it('issues certificates that chain to their own CA only', () => {
    const leaf = clientCert(caA);
    expect(chainsTo(leaf.certPem, caA.certPem)).toBe(true);
    expect(chainsTo(leaf.certPem, caB.certPem)).toBe(false);
    expect(keyMatches(leaf)).toBe(true);
    expect(keyMatches({ certPem: leaf.certPem, keyPem: caA.keyPem })).toBe(false);
  });

  it('refuses names that would change the openssl extension file', () => {
    expect(() => issueCertificate(caA, { commonName: 'x', dnsNames: ['a.example,IP:1.2.3.4'], usage: 'server' })).toThrow(/not a valid certificate name/);
    expect(() => issueCertificate(caA, { commonName: 'x/CN=y', usage: 'client' })).toThrow(/common name/);
  });
});

describe('mutual TLS between clusters', () => {
  it('connects when both sides use the shared CA', async () => {
    const r = await get(clientCert(caA), caA.certPem);
    expect(r).toEqual({ ok: true, body: { name: 'cluster-a', id: 1, client: 'remote' } });
  });

  it('fails when the client certificate comes from another CA (the CA was not copied)', async () => {
    const r = await get(clientCert(caB), caA.certPem);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/refused our client certificate|connection reset/);
  });

  it('fails when the client does not trust the server CA', async () => {
    const r = await get(clientCert(caA), caB.certPem);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/certificate signed by unknown authority/);
  });

  it('fails when the server name is not in its certificate', async () => {
    const r = await get(clientCert(caA), caA.certPem, 'cluster-a.example.org');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/not valid for the requested name/);
  });

  it('follows a replaced CA without restarting the listener', async () => {
    const b = serverCert(caB);
    serverA.reload({ ...b, caPem: caB.certPem });
    try {
      expect((await get(clientCert(caA), caA.certPem)).ok).toBe(false);
      expect((await get(clientCert(caB), caB.certPem)).ok).toBe(true);
    } finally {
      serverA.reload({ ...serverCert(caA), caPem: caA.certPem });
    }
  });

  it('says connection refused when nothing listens', async () => {
    const r = await peerGet({ host: '127.0.0.1', port: 1, servername: 'x.mesh.cilium.io', path: '/', tls: { ...clientCert(caA), caPem: caA.certPem } });
    expect(r).toEqual({ ok: false, error: 'dial tcp 127.0.0.1:1: connect: connection refused' });
  });
});
