import { z } from 'zod';
import { defineModule } from '@meshbook/engine';
import type { DocumentedParams } from '../lib/documented-params.js';
import { fileState } from '../lib/file-facts.js';
import { ADMIN_CONF } from './init.js';
import { KUBELET_CONF } from './join.js';

/** Where a node stands, by the files kubeadm leaves (cli-contracts.md §1: the idempotency markers). */
export interface KubeadmNodeState {
  /** /etc/kubernetes/admin.conf: an initialised control-plane node. */
  initialized: boolean;
  /** /etc/kubernetes/kubelet.conf: part of a cluster (a joined worker, or a control-plane node). */
  joined: boolean;
}

/** kubeadmNode takes no params (typed all the same, so a field added later must be documented). */
export type KubeadmNodeInput = Record<string, never>;

const paramsSchema = z.object({}).strict().default({});
const params: DocumentedParams<typeof paramsSchema, KubeadmNodeInput | undefined> = paramsSchema;

/**
 * Read-only: whether the node is initialised or joined, as a value a playbook computes from
 * (a master mints a join command only when some worker is not joined yet). Never a change; its
 * output is known in check mode too.
 */
export const kubeadmNode = defineModule({
  name: 'kubeadmNode',
  params,
  facts: () => ({ admin: fileState(ADMIN_CONF, 0), kubelet: fileState(KUBELET_CONF, 0) }),
  plan: () => [],
  apply: async () => undefined,
  output: (facts): KubeadmNodeState => ({ initialized: facts.admin.exists, joined: facts.kubelet.exists }),
});
