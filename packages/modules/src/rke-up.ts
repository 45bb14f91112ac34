import { posix } from 'node:path';
import { z } from 'zod';
import { MeshbookError, defineModule, sh } from '@meshbook/engine';
import type { Change } from '@meshbook/engine';
import { DIFF_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { DocumentedParams } from './lib/documented-params.js';

/**
 * Beside cluster.yml: the sha256 of the cluster.yml the last successful `rke up` brought up. rke's
 * own state (cluster.rkestate) says what the cluster is, not which file made it; this stamp is
 * how a later run knows that the same file needs no `rke up`.
 */
export const RKE_UP_STAMP = '.meshbook-rke-up.sha256';

/** The rkeUp task's params as written (an interface, so editors show each field's documentation). */
export interface RkeUpInput {
  /** The cluster's directory on the controller ('clusters/cluster1'): cluster.yml is there, and rke writes its kubeconfig and state beside it. */
  dir: string;
  /** The rke executable, a path or a name on PATH. Default 'rke'. */
  rke?: string | undefined;
  /** How long `rke up` may take, 30 to 7200 seconds. Default 1200. */
  timeoutSeconds?: number | undefined;
}

const paramsSchema = z.object({
  dir: z.string().regex(/^[^\0\n]+$/, 'a directory such as clusters/cluster1').refine((d) => !d.split('/').includes('..'), 'a directory without ..'),
  rke: z.string().regex(/^[A-Za-z0-9_./+-]+$/, 'a path or name such as rke or /usr/local/bin/rke').default('rke'),
  timeoutSeconds: z.coerce.number<number>().int().min(30).max(7200).default(1200),
}).strict();
const params: DocumentedParams<typeof paramsSchema, RkeUpInput> = paramsSchema;

export type RkeUpChange = Change<'rke.up', { dir: string }>;

export interface RkeUpOutput {
  /** kube_config_cluster.yml beside cluster.yml: the admin kubeconfig rke wrote. */
  kubeconfig: string;
  state: string;
}

const paths = (dir: string) => ({
  clusterYml: posix.join(dir, 'cluster.yml'),
  kubeconfig: posix.join(dir, 'kube_config_cluster.yml'),
  state: posix.join(dir, 'cluster.rkestate'),
  stamp: posix.join(dir, RKE_UP_STAMP),
});

/**
 * `rke up` for one cluster, run on the controller (local transport) from the cluster's directory.
 * Only when the cluster needs it: its kubeconfig or state is missing, or cluster.yml is not the file
 * the last successful `rke up` was given. kube_config_cluster.yml and cluster.rkestate are rke's
 * and are kept; the stamp is written only after `rke up` succeeds.
 */
export const rkeUp = defineModule({
  name: 'rkeUp',
  params,
  facts: (p) => {
    const f = paths(p.dir);
    return {
      clusterYml: fileState(f.clusterYml, 0),
      kubeconfig: fileState(f.kubeconfig, 0),
      state: fileState(f.state, 0),
      stamp: fileState(f.stamp, DIFF_CONTENT_LIMIT),
    };
  },
  plan(facts, p): RkeUpChange[] {
    // Absent, cluster.yml is a change to come (check mode on a fresh controller, where the task
    // writing it only planned); apply refuses to run rke without it.
    const wanted = facts.clusterYml.exists && facts.clusterYml.type === 'file' ? facts.clusterYml.sha256 : null;
    const lastUp = facts.stamp.text?.trim() ?? null;
    const reasons: string[] = [];
    if (wanted === null) reasons.push('cluster.yml not written yet');
    if (!facts.kubeconfig.exists) reasons.push('no kube_config_cluster.yml');
    if (!facts.state.exists) reasons.push('no cluster.rkestate');
    if (wanted !== null && lastUp !== wanted) reasons.push(lastUp === null ? 'cluster.yml never brought up' : 'cluster.yml changed since the last rke up');
    if (reasons.length === 0) return [];
    return [{
      kind: 'rke.up',
      target: p.dir,
      summary: `rke up in ${p.dir} (${reasons.join(', ')})`,
      before: lastUp ?? '(none)',
      after: wanted ?? '(cluster.yml to be written)',
      payload: { dir: p.dir },
    }];
  },
  async apply(ctx, changes, p): Promise<RkeUpOutput> {
    for (const change of changes) {
      const { dir } = change.payload;
      const f = paths(dir);
      const clusterSha256 = async () => {
        const r = await ctx.run(sh`sha256sum -- ${f.clusterYml}`);
        if (r.exitCode !== 0) {
          throw new MeshbookError('BAD_INPUT', `rkeUp: ${f.clusterYml} does not exist on the controller`, { hint: 'write cluster.yml into the cluster\'s directory first (the task before rke up)' });
        }
        return r.stdout.split(' ')[0]!;
      };
      const given = await clusterSha256();
      ctx.progress(`rke up in ${dir}`);
      await ctx.exec(sh`${p.rke} up --config cluster.yml`, { cwd: dir, timeoutMs: p.timeoutSeconds * 1000 });
      // rke read the file itself: the stamp records the file it was given, so it must not have moved
      if ((await clusterSha256()) !== given) {
        throw new MeshbookError('MODULE_FAILED', `rkeUp: ${f.clusterYml} changed while rke up ran`, { hint: 'run again: the next run brings the new file up' });
      }
      await ctx.put(f.stamp, `${given}\n`, { mode: 0o600 });
    }
    const f = paths(p.dir);
    return { kubeconfig: f.kubeconfig, state: f.state };
  },
  output: (_facts, p) => {
    const f = paths(p.dir);
    return { kubeconfig: f.kubeconfig, state: f.state };
  },
});
