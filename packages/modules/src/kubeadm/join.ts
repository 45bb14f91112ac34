import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change, Secret } from '@meshbook/engine';
import { fileState } from '../lib/file-facts.js';
import { runWithProgress } from '../lib/progress.js';
import {
  BOOTSTRAP_TOKEN, CA_CERT_HASH, CERTIFICATE_KEY, criSocket, endpointWithPort, extraArgs, goDuration, nodeName, preflightCheck, secretMatching,
} from './grammar.js';
import { kubeadmFailure, maskKubeadmOutput } from './output.js';
import { renderJoinConfiguration } from './render.js';
import { configApiVersion, kubeadmVersion, versionFor, type KubeadmApiVersion } from './version.js';

/** Written by kubeadm join (and init): the marker of a node that is part of a cluster. */
export const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';

/** kubeadmJoinCommand's output: how a node joins the cluster. */
export interface KubeadmJoinCommandValue {
  /** The API server's host:port. */
  endpoint: string;
  /** A bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}); kept a Secret. */
  token: string | Secret;
  /** sha256: and 64 hex digits, the hash of the cluster CA's public key. */
  caCertHash: string;
  /** The key of the uploaded control-plane certificates (control-plane join only); kept a Secret. */
  certificateKey?: string | Secret | undefined;
}

const joinCommandSchema = z
  .object({
    endpoint: endpointWithPort,
    token: secretMatching(BOOTSTRAP_TOKEN, 'a bootstrap token of the form [a-z0-9]{6}.[a-z0-9]{16}'),
    caCertHash: z.string().regex(CA_CERT_HASH, 'sha256: and 64 hex digits, the hash of the cluster CA\'s public key'),
    certificateKey: secretMatching(CERTIFICATE_KEY, 'a certificate key of 64 hex digits').optional(),
  })
  .strict();

/** The kubeadmJoin task's params as written (an interface, so editors show each field's documentation). */
export interface KubeadmJoinInput {
  /** kubeadmJoinCommand's output on a master; null when none was minted (the node must then be joined already). */
  joinCommand: KubeadmJoinCommandValue | null;
  /** Join as a control-plane node (needs the join command's certificateKey). Default false. */
  controlPlane?: boolean | undefined;
  /** A control-plane node's own API server address. */
  advertiseAddress?: string | undefined;
  /** This node's name (nodeRegistration.name). */
  nodeName?: string | undefined;
  /** The container runtime's socket (nodeRegistration.criSocket). */
  criSocket?: string | undefined;
  /** The kubelet's extra flags (nodeRegistration.kubeletExtraArgs). */
  kubeletExtraArgs?: Record<string, string | number | boolean> | undefined;
  /** Preflight checks whose errors are only warnings ('all' for every one). kubeadm --ignore-preflight-errors. */
  ignorePreflightErrors?: string[] | undefined;
  /** How long discovery keeps trying to reach the API server (kubeadm's default: 5m0s). */
  discoveryTimeout?: string | undefined;
  /** Render the JoinConfiguration for this kubeadm instead of the installed one. */
  kubeadmVersion?: string | undefined;
  /** How long join may take before it is stopped. Default 900. */
  timeoutSeconds?: number | undefined;
}

const paramsSchema = z
  .object({
    joinCommand: joinCommandSchema.nullable(),
    controlPlane: z.boolean().default(false),
    advertiseAddress: z.string().refine((v) => isIP(v) !== 0, 'an IP address').optional(),
    nodeName: nodeName.optional(),
    criSocket: criSocket.optional(),
    kubeletExtraArgs: extraArgs.default({}),
    ignorePreflightErrors: z.array(preflightCheck).default([]),
    discoveryTimeout: goDuration.optional(),
    kubeadmVersion: z.string().regex(/^v?\d+\.\d+\.\d+\S*$/, 'a kubeadm version such as v1.31.9').optional(),
    timeoutSeconds: z.number().int().min(30).default(900),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.controlPlane && p.joinCommand && !p.joinCommand.certificateKey) {
      ctx.addIssue({ code: 'custom', path: ['joinCommand', 'certificateKey'], message: 'a control-plane join needs the certificate key (kubeadmJoinCommand with controlPlane: true)' });
    }
  });
const params: DocumentedParams<typeof paramsSchema, KubeadmJoinInput> = paramsSchema;

interface JoinPayload {
  apiVersion: KubeadmApiVersion;
  endpoint: string;
  token: Secret;
  caCertHash: string;
  certificateKey: Secret | null;
  advertiseAddress?: string | undefined;
  nodeName?: string | undefined;
  criSocket?: string | undefined;
  kubeletExtraArgs: Record<string, string>;
  ignorePreflightErrors: string[];
  discoveryTimeout?: string | undefined;
}

export type KubeadmJoinChange =
  | Change<'kubeadm_join.join', JoinPayload>
  | Change<'kubeadm_join.kubeadm_missing', null>;

/**
 * `kubeadm join` of a worker (or, with the certificate key, a control-plane node) that is not part
 * of a cluster yet (no /etc/kubernetes/kubelet.conf). The token and key go in a JoinConfiguration
 * written 0600 under /run and removed after: never on a command line, shown or not.
 */
export const kubeadmJoin = defineModule({
  name: 'kubeadmJoin',
  params,
  facts: () => ({ kubeletConf: fileState(KUBELET_CONF, 0), version: kubeadmVersion(null) }),
  plan(facts, p): KubeadmJoinChange[] {
    if (facts.kubeletConf.exists) return [];
    const join = p.joinCommand;
    if (!join) {
      throw new MeshbookError('BAD_INPUT', `kubeadmJoin: this node is not joined (no ${KUBELET_CONF}) and no join command was given`, {
        hint: 'set mint on the master\'s kubeadmJoinCommand task when a node still has to join, and pass its output as joinCommand',
      });
    }
    const version = versionFor(p.kubeadmVersion, facts.version);
    if (!version) {
      return [{ kind: 'kubeadm_join.kubeadm_missing', target: join.endpoint, summary: `join the cluster at ${join.endpoint} (known after apply: kubeadm is not installed yet)`, payload: null }];
    }
    const role = p.controlPlane ? 'control-plane node' : 'worker';
    return [
      {
        kind: 'kubeadm_join.join',
        target: join.endpoint,
        summary: `join the cluster at ${join.endpoint} as a ${role} (CA ${join.caCertHash.slice(0, 19)}…)`,
        before: 'not joined',
        after: `joined as a ${role}`,
        payload: {
          apiVersion: configApiVersion(version),
          endpoint: join.endpoint,
          token: join.token,
          caCertHash: join.caCertHash,
          certificateKey: p.controlPlane ? (join.certificateKey ?? null) : null,
          advertiseAddress: p.advertiseAddress,
          nodeName: p.nodeName,
          criSocket: p.criSocket,
          kubeletExtraArgs: p.kubeletExtraArgs,
          ignorePreflightErrors: p.ignorePreflightErrors,
          discoveryTimeout: p.discoveryTimeout,
        },
      },
    ];
  },
  async apply(ctx, changes, p) {
    for (const change of changes) {
      if (change.kind === 'kubeadm_join.kubeadm_missing') {
        throw new MeshbookError('MODULE_FAILED', `kubeadm is not installed on ${ctx.host}`, { host: ctx.host, hint: 'install kubeadm in an earlier task' });
      }
      const { apiVersion, token, certificateKey, ...rest } = change.payload;
      const config = renderJoinConfiguration(apiVersion, { ...rest, token: token.reveal(), certificateKey: certificateKey?.reveal() });
      const file = `/run/meshbook/kubeadm-join-${randomBytes(6).toString('hex')}.yaml`;
      await ctx.exec(sh`mkdir -p -m 700 /run/meshbook`);
      await ctx.put(file, config, { mode: 0o600, owner: 'root', group: 'root' });
      // The file and (when nothing else uses it) its directory go whatever kubeadm's outcome.
      const command = sh`kubeadm join --config ${file}; rc=$?; rm -f -- ${file}; rmdir /run/meshbook 2>/dev/null; exit $rc`;
      ctx.progress(`kubeadm join ${change.payload.endpoint} on ${ctx.host}`);
      const result = await runWithProgress(ctx, command, { timeoutMs: p.timeoutSeconds * 1000 }, maskKubeadmOutput);
      if (result.exitCode !== 0) throw kubeadmFailure(ctx.host, `kubeadm join ${change.payload.endpoint}`, command, result, joinHint(maskKubeadmOutput(result.stderr)));
    }
  },
});

/** kubeadm join's documented failures, each with what to do. */
export function joinHint(stderr: string): string | undefined {
  if (/none of the public keys .* are pinned/.test(stderr)) {
    return 'the caCertHash is not this cluster\'s CA: take the join command from a master of the cluster being joined';
  }
  if (/could not find a JWS signature|failed to verify JWS signature|token id .* is invalid|Unauthorized/i.test(stderr)) {
    return 'the token is unknown to the cluster or expired: mint a fresh join command (kubeadmJoinCommand with mint) just before joining';
  }
  if (/connection refused|no route to host|i\/o timeout|context deadline exceeded|dial tcp|ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|failed to request the cluster-info/i.test(stderr)) {
    return 'the API server is unreachable from this node: check the endpoint, that kube-apiserver runs, and the network between the nodes';
  }
  if (/\[ERROR FileAvailable--etc-kubernetes-kubelet\.conf\]|\[ERROR FileAvailable--etc-kubernetes-pki-ca\.crt\]/.test(stderr)) {
    return 'the node holds a previous join\'s files: `kubeadm reset -f` on it, then run again';
  }
  return undefined;
}
