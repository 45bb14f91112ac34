import { z } from 'zod';
import type { DocumentedParams } from '../lib/documented-params.js';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { fileState } from '../lib/file-facts.js';
import {
  absolutePath, certSan, clusterName, criSocket, endpoint, extraArgs, goDuration, imageRepository, kubernetesVersion, nodeName, subnet,
} from './grammar.js';
import { isIP } from 'node:net';
import { renderKubeadmInitConfig } from './render.js';
import { configApiVersion, kubeadmVersion, versionFor, type KubeadmApiVersion } from './version.js';

/** Where kubeadm's configuration goes unless told otherwise (kubespray keeps it beside kubeadm's files). */
export const DEFAULT_KUBEADM_CONFIG = '/etc/kubernetes/kubeadm-config.yaml';

/** The kubeadmConfig task's params as written (an interface, so editors show each field's documentation). */
export interface KubeadmConfigInput {
  /** Where the file is written (0600, root). Default /etc/kubernetes/kubeadm-config.yaml. */
  path?: string | undefined;
  /** Render for this kubeadm (v1.30.4) instead of the installed one. */
  kubeadmVersion?: string | undefined;
  /** ClusterConfiguration.clusterName. */
  clusterName?: string | undefined;
  /** The API servers' shared address, host[:port] (ClusterConfiguration.controlPlaneEndpoint). */
  controlPlaneEndpoint?: string | undefined;
  /** A release (v1.31.9) or one of kubeadm's labels (stable, stable-1.31, latest). */
  kubernetesVersion?: string | undefined;
  /** The registry the control-plane images come from (registry.k8s.io). */
  imageRepository?: string | undefined;
  /** Extra names and addresses in the API server's certificate (apiServer.certSANs). */
  certSANs?: string[] | undefined;
  /** The API server's extra flags (authorization-mode: Node,RBAC). */
  apiServerExtraArgs?: Record<string, string | number | boolean> | undefined;
  /** The seed's timeoutForControlPlane (4m0s): v1beta4's timeouts.controlPlaneComponentHealthCheck. */
  timeoutForControlPlane?: string | undefined;
  /** etcd's data directory (etcd.local.dataDir). */
  etcdDataDir?: string | undefined;
  /** Pod CIDR, or a dual-stack pair (networking.podSubnet). */
  podSubnet?: string | string[] | undefined;
  /** Service CIDR, or a dual-stack pair (networking.serviceSubnet). */
  serviceSubnet?: string | string[] | undefined;
  /** The cluster's DNS domain (networking.dnsDomain; kubeadm's default cluster.local). */
  dnsDomain?: string | undefined;
  /** This node's API server address (InitConfiguration.localAPIEndpoint). */
  advertiseAddress?: string | undefined;
  /** This node's API server port (localAPIEndpoint.bindPort). */
  bindPort?: number | undefined;
  /** This node's name (nodeRegistration.name). */
  nodeName?: string | undefined;
  /** The container runtime's socket (nodeRegistration.criSocket). */
  criSocket?: string | undefined;
  /** The kubelet's extra flags (nodeRegistration.kubeletExtraArgs). */
  kubeletExtraArgs?: Record<string, string | number | boolean> | undefined;
}

const paramsSchema = z
  .object({
    path: absolutePath.default(DEFAULT_KUBEADM_CONFIG),
    kubeadmVersion: z.string().regex(/^v?\d+\.\d+\.\d+\S*$/, 'a kubeadm version such as v1.31.9').optional(),
    clusterName: clusterName.optional(),
    controlPlaneEndpoint: endpoint.optional(),
    kubernetesVersion: kubernetesVersion.optional(),
    imageRepository: imageRepository.optional(),
    certSANs: z.array(certSan).default([]),
    apiServerExtraArgs: extraArgs.default({}),
    timeoutForControlPlane: goDuration.optional(),
    etcdDataDir: absolutePath.optional(),
    podSubnet: subnet.optional(),
    serviceSubnet: subnet.optional(),
    dnsDomain: clusterName.optional(),
    advertiseAddress: z.string().refine((v) => isIP(v) !== 0, 'an IP address').optional(),
    bindPort: z.number().int().min(1).max(65535).optional(),
    nodeName: nodeName.optional(),
    criSocket: criSocket.optional(),
    kubeletExtraArgs: extraArgs.default({}),
  })
  .strict();
const params: DocumentedParams<typeof paramsSchema, KubeadmConfigInput> = paramsSchema;

export type KubeadmConfigChange =
  | Change<'kubeadm_config.file', { path: string; content: string }>
  /** kubeadm is not installed yet (check mode before the package task): the version decides the content. */
  | Change<'kubeadm_config.kubeadm_missing', { path: string }>;

/**
 * kubeadm's configuration file (InitConfiguration + ClusterConfiguration) rendered from typed
 * params, in the API version the installed kubeadm reads (v1beta3 before 1.31, v1beta4 from it).
 * The file is owned by this task: its content is exactly what the params say. Output: the path
 * and the API version written.
 */
export const kubeadmConfig = defineModule({
  name: 'kubeadmConfig',
  params,
  facts: (p) => ({ version: kubeadmVersion(null), file: fileState(p.path) }),
  plan(facts, p): KubeadmConfigChange[] {
    const version = versionFor(p.kubeadmVersion, facts.version);
    if (version === null) {
      return [{ kind: 'kubeadm_config.kubeadm_missing', target: p.path, summary: 'write the kubeadm configuration (known after apply: kubeadm is not installed yet)', payload: { path: p.path } }];
    }
    if (facts.file.exists && facts.file.type !== 'file') {
      throw new MeshbookError('MODULE_FAILED', `kubeadmConfig: ${p.path} exists and is not a regular file`, { hint: 'move it away or choose another path' });
    }
    const content = renderKubeadmInitConfig(configApiVersion(version), p);
    const before = facts.file.exists ? (facts.file.text ?? '') : null;
    if (before === content && facts.file.mode === '0600' && facts.file.owner === 'root') return [];
    return [
      {
        kind: 'kubeadm_config.file',
        target: p.path,
        summary: before === null ? `create (${configApiVersion(version)})` : before !== content ? `update (${configApiVersion(version)})` : `mode/owner ${facts.file.mode} ${facts.file.owner} → 0600 root`,
        content: { path: p.path, before, after: content },
        payload: { path: p.path, content },
      },
    ];
  },
  async apply(ctx, changes) {
    for (const change of changes) {
      switch (change.kind) {
        case 'kubeadm_config.kubeadm_missing':
          throw new MeshbookError('MODULE_FAILED', `kubeadm is not installed on ${ctx.host}: the configuration's API version depends on its version`, {
            host: ctx.host,
            hint: 'install kubeadm in an earlier task, or give kubeadmVersion',
          });
        case 'kubeadm_config.file':
          await ctx.exec(sh`mkdir -p -- "$(dirname -- ${change.payload.path})"`);
          await ctx.put(change.payload.path, change.payload.content, { mode: 0o600, owner: 'root', group: 'root' });
          break;
      }
    }
  },
  output(facts, p): { path: string; apiVersion: KubeadmApiVersion | null } {
    const version = versionFor(p.kubeadmVersion, facts.version);
    return { path: p.path, apiVersion: version ? configApiVersion(version) : null };
  },
});
