// The double's controllers, each small and named for the real component whose job it stands in for.
import type { Context } from '../rest.js';
import { certificateSigning, type Signer } from './certificates.js';
import { eventExpiry } from './events.js';
import { garbageCollector } from './garbage-collector.js';
import { loadBalancer } from './load-balancer.js';
import { namespaceDefaults } from './namespaces.js';
import { nodeIpam } from './node-ipam.js';
import { nodeLifecycle } from './node-lifecycle.js';
import { runControllers } from './run.js';
import { workloads } from './workloads.js';

export interface ControllerOptions {
  nodeGracePeriodSeconds: number;
  caCertificate: string;
  signer?: Signer;
  /** --cluster-cidr: node IPAM's pod network when no kubeadm-config names one. */
  clusterCidr?: string;
}

export function startControllers(ctx: Context, options: ControllerOptions): () => void {
  return runControllers(ctx, [
    nodeLifecycle(options.nodeGracePeriodSeconds),
    nodeIpam(options.clusterCidr),
    workloads,
    loadBalancer,
    namespaceDefaults(options.caCertificate),
    garbageCollector,
    certificateSigning(options.signer),
    eventExpiry,
  ]);
}
