import { resolve } from 'node:path';
import { EXIT } from '../exit-codes.js';
import type { ExitCode } from '../exit-codes.js';
import { MeshbookError } from '@meshbook/engine';
import { loadInventory, renderInventoryGraph, renderInventoryList } from '@meshbook/engine';
import { parseExtraVars } from '../extra-vars.js';
import type { CliIo } from '../io.js';
import { collect } from '../option-parsers.js';
import { addVaultOptions, vaultPasswords, type VaultCommandOptions } from '../vault-options.js';
import type { RegisterCommand } from './context.js';

export interface InventoryCommandOptions extends VaultCommandOptions {
  /** -i, repeatable: several inventories are merged as Ansible merges them. */
  inventory: string[];
  list?: boolean;
  graph?: boolean;
  extraVars?: string[];
}

export const registerInventoryCommand: RegisterCommand = (program, context) => {
  addVaultOptions(program.command('inventory'))
    .description('show an inventory as Ansible does: --list (JSON) or --graph (tree)')
    .requiredOption('-i, --inventory <path>', 'inventory directory or file, YAML or INI (repeatable: merged in order)', collect)
    .option('--list', 'print hosts, groups and merged vars as JSON (ansible-inventory --list shape)')
    .option('--graph', 'print the group tree')
    .option('-e, --extra-vars <vars>', 'variables: key=value, @file.yaml or JSON (repeatable)', collect)
    .action(async (options: InventoryCommandOptions) => {
      context.setExitCode(await inventoryCommand(options, context.io));
    });
};

export async function inventoryCommand(options: InventoryCommandOptions, io: CliIo): Promise<ExitCode> {
  if (options.list === options.graph) {
    throw new MeshbookError('BAD_INPUT', 'give exactly one of --list or --graph', { hint: 'meshbook inventory -i inventories/lab --graph' });
  }
  const extraVars = await parseExtraVars(options.extraVars ?? [], io.cwd);
  const inventory = await loadInventory(options.inventory.map((path) => resolve(io.cwd, path)), { extraVars, vaultPasswords: await vaultPasswords(options, io) });
  for (const warning of inventory.warnings) io.stderr.write(`[WARNING]: ${warning}\n`);
  const text = options.list ? asJson(renderInventoryList(inventory)) : renderInventoryGraph(inventory);
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return EXIT.OK;
}

/** The listing as `ansible-inventory --list` prints it (4-space JSON), whether given as data or text. */
function asJson(listing: unknown): string {
  return typeof listing === 'string' ? listing : JSON.stringify(listing, null, 4);
}
