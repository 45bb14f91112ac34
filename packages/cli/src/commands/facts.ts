import { resolve } from 'node:path';
import { EXIT } from '../exit-codes.js';
import type { ExitCode } from '../exit-codes.js';
import { toMeshbookError } from '@meshbook/engine';
import { redactDeep } from '@meshbook/engine';
import type { InventoryHost } from '@meshbook/engine';
import type { Transport } from '@meshbook/engine';
import { forksQueue, loadInventory } from '@meshbook/engine';
import { connectHost } from '../connect-host.js';
import type { CliIo } from '../io.js';
import { positiveInt } from '../option-parsers.js';
import { collect } from '../option-parsers.js';
import { addVaultOptions, vaultPasswords, type VaultCommandOptions } from '../vault-options.js';
import type { RegisterCommand } from './context.js';
import { factsProbe, parseFactsProbe } from './facts-probe.js';
import type { BasicFacts } from './facts-probe.js';

export interface FactsCommandOptions extends VaultCommandOptions {
  /** -i, repeatable: several inventories are merged as Ansible merges them. */
  inventory: string[];
  limit?: string;
  forks?: number;
}

type HostFacts = BasicFacts | { error: { code: string; message: string; hint?: string } };

export const registerFactsCommand: RegisterCommand = (program, context) => {
  addVaultOptions(program.command('facts'))
    .description('connect to hosts and print basic facts as JSON (hostname, OS, kernel, arch, CPUs, memory)')
    .requiredOption('-i, --inventory <path>', 'inventory directory or file, YAML or INI (repeatable: merged in order)', collect)
    .option('-l, --limit <pattern>', 'host pattern (default: all)')
    .option('-f, --forks <n>', 'hosts probed at the same time (default 16)', positiveInt)
    .action(async (options: FactsCommandOptions) => {
      context.setExitCode(await factsCommand(options, context.io));
    });
};

/** Exit code: OK, or UNREACHABLE when any host could not be reached or probed. */
export async function factsCommand(options: FactsCommandOptions, io: CliIo): Promise<ExitCode> {
  const inventory = await loadInventory(options.inventory.map((path) => resolve(io.cwd, path)), { vaultPasswords: await vaultPasswords(options, io) });
  const names = inventory.select(options.limit ?? 'all');
  const queue = forksQueue(options.forks ?? 16);
  const results = await Promise.all(
    names.map((name) => queue.add(async () => [name, await probeHost(inventory.hosts.get(name), name)] as const)),
  );
  io.stdout.write(`${JSON.stringify(redactDeep(Object.fromEntries(results)), null, 2)}\n`);
  return results.some(([, facts]) => 'error' in facts) ? EXIT.UNREACHABLE : EXIT.OK;
}

/** Connects, runs the one-round-trip probe, closes; a failure becomes the host's `error` entry. */
async function probeHost(host: InventoryHost | undefined, name: string): Promise<HostFacts> {
  let transport: Transport | undefined;
  try {
    if (!host) throw new Error(`host ${name} is not in the inventory`);
    transport = await connectHost(host);
    const results = await transport.runBatch(factsProbe, { timeoutMs: 30_000 });
    return parseFactsProbe(results.map((r) => r.stdout));
  } catch (error) {
    const failure = toMeshbookError(error, 'UNREACHABLE', name);
    return { error: { code: failure.code, message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) } };
  } finally {
    await transport?.close().catch(() => undefined);
  }
}
