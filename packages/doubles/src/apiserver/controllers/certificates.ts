// kube-controller-manager's CSR approver and signer: kubelet client CSRs from bootstrap tokens or
// from the node itself (CN system:node:<name>, O system:nodes) are approved, and approved CSRs of
// the kube-apiserver-client(-kubelet) and kubelet-serving signers are signed with
// --cluster-signing-cert-file/--cluster-signing-key-file (by openssl, as real certificates).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { modify } from '../internal-client.js';
import type { Context } from '../rest.js';
import type { KubeObject } from '../store.js';
import type { Controller } from './run.js';

const run = promisify(execFile);
const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
const SIGNABLE = new Set([KUBELET_CLIENT, 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kubelet-serving']);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export interface Signer {
  certFile: string;
  keyFile: string;
}

async function csrSubject(pem: string, dir: string): Promise<{ cn?: string; orgs: string[] }> {
  const file = join(dir, 'request.csr');
  writeFileSync(file, pem);
  const { stdout } = await run('openssl', ['req', '-in', file, '-noout', '-subject', '-nameopt', 'sep_multiline,utf8']);
  const lines = stdout.split('\n').map((l) => l.trim());
  return {
    cn: lines.find((l) => l.startsWith('CN='))?.slice(3),
    orgs: lines.filter((l) => l.startsWith('O=')).map((l) => l.slice(2)),
  };
}

function decided(csr: KubeObject): boolean {
  return (csr.status?.conditions ?? []).some((c: any) => (c.type === 'Approved' || c.type === 'Denied' || c.type === 'Failed') && c.status === 'True');
}

async function maybeApprove(ctx: Context, csr: KubeObject, dir: string): Promise<void> {
  if (decided(csr) || csr.spec?.signerName !== KUBELET_CLIENT) return;
  const groups: string[] = csr.spec?.groups ?? [];
  const username: string = csr.spec?.username ?? '';
  const subject = await csrSubject(Buffer.from(csr.spec.request ?? '', 'base64').toString(), dir);
  const isNodeClient = subject.cn?.startsWith('system:node:') && subject.orgs.length === 1 && subject.orgs[0] === 'system:nodes';
  if (!isNodeClient) return;
  const bootstrapping = groups.includes('system:bootstrappers');
  const renewing = groups.includes('system:nodes') && username === subject.cn;
  if (!bootstrapping && !renewing) return;
  modify(ctx, 'certificates.k8s.io', 'certificatesigningrequests', undefined, csr.metadata.name, (o) => {
    o.status ??= {};
    o.status.conditions = [...(o.status.conditions ?? []), {
      type: 'Approved', status: 'True', reason: 'AutoApproved',
      message: `Auto approving ${renewing ? 'self kubelet client certificate after SubjectAccessReview.' : 'kubelet client certificate after SubjectAccessReview.'}`,
      lastUpdateTime: now(), lastTransitionTime: now(),
    }];
  }, 'status');
}

async function maybeSign(ctx: Context, csr: KubeObject, signer: Signer, dir: string): Promise<void> {
  const approved = (csr.status?.conditions ?? []).some((c: any) => c.type === 'Approved' && c.status === 'True');
  if (!approved || csr.status?.certificate || !SIGNABLE.has(csr.spec?.signerName)) return;
  const request = join(dir, 'sign.csr');
  const extensions = join(dir, 'extensions.cnf');
  const serving = csr.spec.signerName === 'kubernetes.io/kubelet-serving';
  writeFileSync(request, Buffer.from(csr.spec.request ?? '', 'base64'));
  writeFileSync(extensions, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${serving ? 'serverAuth' : 'clientAuth'}`,
    '',
  ].join('\n'));
  const days = Math.max(1, Math.ceil(Number(csr.spec.expirationSeconds ?? 365 * 86400) / 86400));
  const args = ['x509', '-req', '-in', request, '-CA', signer.certFile, '-CAkey', signer.keyFile, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(days), '-extfile', extensions];
  if (serving) args.push('-copy_extensions', 'copyall');
  const { stdout } = await run('openssl', args);
  modify(ctx, 'certificates.k8s.io', 'certificatesigningrequests', undefined, csr.metadata.name, (o) => {
    o.status ??= {};
    o.status.certificate = Buffer.from(stdout).toString('base64');
  }, 'status');
}

export function certificateSigning(signer: Signer | undefined): Controller {
  return {
    name: 'csr-approving-and-signing',
    watches: ['certificates.k8s.io/certificatesigningrequests/'],
    async reconcile(ctx: Context) {
      const pending = ctx.store.list('certificates.k8s.io/certificatesigningrequests/').filter((csr) => !csr.status?.certificate);
      if (!pending.length) return;
      const dir = mkdtempSync(join(tmpdir(), 'csr-'));
      try {
        for (const csr of pending) {
          try {
            await maybeApprove(ctx, csr, dir);
            const current = ctx.store.get(`certificates.k8s.io/certificatesigningrequests//${csr.metadata.name}`);
            if (current && signer) await maybeSign(ctx, current, signer, dir);
          } catch (error) {
            console.error(`CSR ${csr.metadata.name}: ${(error as Error).message}`);
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
