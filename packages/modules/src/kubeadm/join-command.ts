import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change, Secret } from '@meshbook/engine';
import { goDuration } from './grammar.js';
import { ADMIN_CONF } from './init.js';
import { kubeadmFailure, parseCertificateKey, parseJoinCommand, type JoinCommand } from './output.js';

/** The kubeadmJoinCommand task's params as written (an interface, so editors show each field's documentation). */
export interface KubeadmJoinCommandInput {
  /**
   * Mint a join command: the playbook sets it when some node still has to join (tokens are
   * short-lived secrets: never minted for nothing, never compared).
   */
  mint: boolean;
  /** Also upload the control-plane certificates and hand out their key, for a control-plane join. Default false. */
  controlPlane?: boolean | undefined;
  /** The token's lifetime, a Go duration. Default '1h0m0s' (kubeadm's own default is 24h0m0s). */
  ttl?: string | undefined;
}

const paramsSchema = z
  .object({
    mint: z.boolean(),
    controlPlane: z.boolean().default(false),
    ttl: goDuration.default('1h0m0s'),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeadmJoinCommandInput> = paramsSchema;

export type KubeadmJoinCommandChange = Change<'kubeadm_join_command.mint', { ttl: string; controlPlane: boolean }>;

/**
 * A join command minted on a control-plane node (`kubeadm token create --print-join-command`) as a
 * typed cross-host value: `{ endpoint, token, caCertHash, certificateKey? }`, token and key
 * Secrets. Only when `mint` is set; in check mode it is known after apply. Output: the join
 * command, or null when none was minted.
 */
export const kubeadmJoinCommand = defineModule({
  name: 'kubeadmJoinCommand',
  params,
  plan(_facts, p): KubeadmJoinCommandChange[] {
    if (!p.mint) return [];
    return [
      {
        kind: 'kubeadm_join_command.mint',
        target: 'bootstrap token',
        summary: `create a bootstrap token (ttl ${p.ttl})${p.controlPlane ? ' and upload the control-plane certificates' : ''} for the nodes still to join`,
        payload: { ttl: p.ttl, controlPlane: p.controlPlane },
      },
    ];
  },
  async apply(ctx, changes): Promise<JoinCommand | null> {
    let minted: JoinCommand | null = null;
    for (const change of changes) {
      const { ttl, controlPlane } = change.payload;
      let certificateKey: Secret | null = null;
      if (controlPlane) {
        const upload = sh`kubeadm init phase upload-certs --upload-certs`;
        const uploaded = await ctx.run(upload);
        certificateKey = parseCertificateKey(uploaded.stdout);
        if (uploaded.exitCode !== 0 || !certificateKey) throw kubeadmFailure(ctx.host, 'uploading the control-plane certificates', upload, uploaded, notMasterHint(uploaded.stderr));
      }
      const command = certificateKey
        ? sh`kubeadm token create --print-join-command --ttl ${ttl} --certificate-key ${certificateKey}`
        : sh`kubeadm token create --print-join-command --ttl ${ttl}`;
      const result = await ctx.run(command);
      if (result.exitCode !== 0) throw kubeadmFailure(ctx.host, 'kubeadm token create', command, result, notMasterHint(result.stderr));
      const parsed = parseJoinCommand(result.stdout.split('\n').find((l) => l.startsWith('kubeadm join')) ?? '');
      if (!parsed) {
        throw new MeshbookError('MODULE_FAILED', 'kubeadm token create --print-join-command printed no join command this module can read', {
          host: ctx.host,
          command: command.display,
          hint: 'expected one line: kubeadm join HOST:PORT --token T --discovery-token-ca-cert-hash sha256:H',
        });
      }
      minted = certificateKey ? { ...parsed, certificateKey } : parsed;
    }
    return minted;
  },
  output: (): JoinCommand | null => null,
});

function notMasterHint(stderr: string): string | undefined {
  if (stderr.includes(ADMIN_CONF)) return 'run it on an initialised control-plane node (kubeadmInit before it)';
  if (/connection refused|no route to host|i\/o timeout|dial tcp|ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT/i.test(stderr)) return 'the API server is unreachable from this node: is kube-apiserver running?';
  return undefined;
}
