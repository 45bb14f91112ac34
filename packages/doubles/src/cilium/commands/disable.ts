// `cilium clustermesh disable`: removes what `enable` created (Service, Deployment, certificate
// Secrets) and stops the clustermesh-apiserver double on this host. The cilium CA and the
// connections (cilium-clustermesh) stay, as in cilium-cli.
import { resources } from '../kube-client.js';
import { removeDaemon } from '../host-daemon.js';
import type { CommandContext } from '../context.js';
import { readClusterIdentity } from '../../clustermesh/cluster-state.js';
import { adminCertSecret, deploymentName, remoteCertSecret, serverCertSecret, serviceName } from '../../clustermesh/names.js';

export async function clustermeshDisable(ctx: CommandContext): Promise<void> {
  const client = ctx.client();
  const ns = ctx.namespace;
  const identity = await readClusterIdentity(client, ns);
  await client.delete(resources.services, ns, serviceName);
  await client.delete(resources.deployments, ns, deploymentName);
  for (const s of [serverCertSecret, adminCertSecret, remoteCertSecret]) await client.delete(resources.secrets, ns, s);
  removeDaemon(ctx.io.env, identity.name);
  ctx.log('✅ ClusterMesh disabled');
}
