// `cilium version [--client]`: the CLI's own version, and the version running in the cluster
// (the image tag of the `cilium` DaemonSet).
import { resources, type KubeObject } from '../kube-client.js';
import type { CommandContext } from '../context.js';
import { cliVersion } from '../../clustermesh/names.js';

const defaultCiliumVersion = 'v1.16.5';

export async function version(ctx: CommandContext): Promise<void> {
  ctx.io.out(`cilium-cli: ${cliVersion} compiled with go1.23.4 on linux/amd64 (meshbook double)\n`);
  ctx.io.out(`cilium image (default): ${defaultCiliumVersion}\n`);
  ctx.io.out('cilium image (stable): unknown\n');
  if (ctx.flags.client === true) return;
  try {
    const ds = await ctx.client().get<KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }>(resources.daemonsets, ctx.namespace, 'cilium');
    const image = ds.spec?.template?.spec?.containers?.[0]?.image ?? '';
    const m = /:v?(\d+\.\d+\.\d+[^@]*)/.exec(image);
    ctx.io.out(`cilium image (running): ${m ? m[1] : 'unknown'}\n`);
  } catch (err) {
    ctx.io.out(`cilium image (running): unknown. Unable to obtain cilium version. Reason: ${(err as Error).message}\n`);
  }
}
