import { resolve } from 'node:path';
import { EXIT } from '../../events/types.js';
import type { ExitCode } from '../../events/types.js';
import { toMeshbookError } from '../../errors.js';
import { redactDeep } from '../../secret.js';
import type { Transport } from '../../transport/types.js';
import { loadInventory } from '../../inventory/index.js';
import { connectHost } from '../connect-host.js';
import type { CliIo } from '../io.js';
import type { RegisterCommand } from './context.js';
import { factsProbe, parseFactsProbe } from './facts-probe.js';
import type { BasicFacts } from './facts-probe.js';

export interface FactsCommandOptions {
  inventory: string;
  limit?: string;
}

type HostFacts = BasicFacts | { error: { code: string; message: string; hint?: string } };

export const registerFactsCommand: RegisterCommand = (program, context) => {
  program
    .command('facts')
    .description('connect to hosts and print basic facts as JSON (hostname, OS, kernel, arch, CPUs, memory)')
    .requiredOption('-i, --inventory <path>', 'inventory directory or hosts.yaml')
    .option('-l, --limit <pattern>', 'host pattern (default: all)')
    .action(async (options: FactsCommandOptions) => {
      context.setExitCode(await factsCommand(options, context.io));
    });
};

/** Exit code: OK, or UNREACHABLE when any host could not be reached or probed. */
export async function factsCommand(options: FactsCommandOptions, io: CliIo): Promise<ExitCode> {
  const inventory = await loadInventory(resolve(io.cwd, options.inventory));
  const names = inventory.select(options.limit ?? 'all');
  const results = await Promise.all(
    names.map(async (name): Promise<[string, HostFacts]> => {
      const host = inventory.hosts.get(name);
      let transport: Transport | undefined;
      try {
        if (!host) throw new Error(`host ${name} is not in the inventory`);
        transport = await connectHost(host);
        const result = await transport.run(factsProbe, { timeoutMs: 30_000 });
        return [name, parseFactsProbe(result.stdout)];
      } catch (error) {
        const failure = toMeshbookError(error, 'UNREACHABLE', name);
        return [name, { error: { code: failure.code, message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) } }];
      } finally {
        await transport?.close().catch(() => undefined);
      }
    }),
  );
  io.stdout.write(`${JSON.stringify(redactDeep(Object.fromEntries(results)), null, 2)}\n`);
  return results.some(([, facts]) => 'error' in facts) ? EXIT.UNREACHABLE : EXIT.OK;
}
