import type { Become } from '../transport/types.js';
import type { ModuleContext, ModuleDefinition } from './contract.js';
import type { FactRequest } from './facts.js';

/** Thrown inside a probing gather to stop it at its first look at the host. */
class ProbeStop extends Error {}

/**
 * The facts a module's gather asks for first, found without touching the host: gather runs
 * against a context that records fact requests and stops at the first one that would need the
 * host (or at any direct command). Gathers with later, dependent lookups are only partly known;
 * what is missing is fetched by the task itself, as without probing.
 */
export async function factsRequestedBy<P>(
  definition: ModuleDefinition<P, unknown, any, unknown>,
  host: string,
  params: P,
  become: Become | undefined,
): Promise<FactRequest[]> {
  const requested: FactRequest[] = [];
  const stop = async (): Promise<never> => {
    throw new ProbeStop();
  };
  const ctx: ModuleContext = {
    host,
    transport: undefined as never,
    become,
    signal: undefined,
    run: stop,
    exec: stop,
    put: stop,
    get: stop,
    fact: async (request) => {
      requested.push(request);
      throw new ProbeStop();
    },
    facts: async (requests) => {
      requested.push(...Object.values(requests));
      throw new ProbeStop();
    },
    progress: () => undefined,
  };
  try {
    await definition.gather(ctx, params);
  } catch {
    // ProbeStop, or a gather that needed something we did not give it: either way, done probing
  }
  return requested;
}
