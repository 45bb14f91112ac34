import { z } from 'zod';
import { MeshbookError } from '@meshbook/engine';
import type { KubeApi } from './api-client.js';
import type { KubeObject } from './objects.js';

export const waitSchema = z
  .object({
    /** A status condition's type that must have `status` ('Ready', 'Available', 'Established'). */
    condition: z.string().regex(/^[A-Za-z][A-Za-z0-9.\/_-]*$/, "a condition type such as 'Ready' or 'Available'").optional(),
    status: z.enum(['True', 'False', 'Unknown']).default('True'),
    /** A LoadBalancer Service has an ingress address (status.loadBalancer.ingress[0]). */
    loadBalancerIngress: z.boolean().optional(),
    timeoutSeconds: z.number().int().min(1).max(3600).default(120),
  })
  .strict()
  .refine((w) => w.condition !== undefined || w.loadBalancerIngress === true, 'give a condition, or loadBalancerIngress: true');

export type WaitFor = z.output<typeof waitSchema>;

/** Whether the object meets what `wait` asks, and what it still lacks when not. */
export function waitMet(object: KubeObject, wait: WaitFor): { met: boolean; lacking: string } {
  const status = (object['status'] ?? {}) as { conditions?: Array<{ type: string; status: string }>; loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
  if (wait.condition !== undefined) {
    const found = status.conditions?.find((c) => c.type === wait.condition);
    if (found?.status !== wait.status) return { met: false, lacking: `condition ${wait.condition}=${wait.status} (now ${found ? found.status : 'absent'})` };
  }
  if (wait.loadBalancerIngress && !status.loadBalancer?.ingress?.some((i) => i.ip || i.hostname)) {
    return { met: false, lacking: 'a LoadBalancer ingress address (status.loadBalancer.ingress is empty)' };
  }
  return { met: true, lacking: '' };
}

/** Polls the object until `wait` is met; TIMEOUT naming what it still lacks. */
export async function waitFor(api: KubeApi, path: string, initial: KubeObject, wait: WaitFor, what: string, signal?: AbortSignal): Promise<KubeObject> {
  const deadline = Date.now() + wait.timeoutSeconds * 1000;
  let current = initial;
  for (;;) {
    const check = waitMet(current, wait);
    if (check.met) return current;
    if (Date.now() >= deadline) {
      throw new MeshbookError('TIMEOUT', `${what}: still lacks ${check.lacking} after ${wait.timeoutSeconds} s`, {
        host: api.host,
        hint: 'raise wait.timeoutSeconds, or look at why the object does not get there (events, its controller)',
      });
    }
    if (signal?.aborted) throw new MeshbookError('ABORTED', `${what}: waiting aborted`, { host: api.host });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    current = (await api.expect<KubeObject>({ method: 'GET', path })).body;
  }
}
