import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MeshbookError, RunEvaluations, definePlaybook, loadInventory, task, validatePlaybook } from '@meshbook/engine';
import type { HostOutput, Module, Playbook, SelectionOptions } from '@meshbook/engine';
import { renderHostOutput, renderPing } from '../ad-hoc-output.js';
import { parseModuleArgs, splitWords } from '../ad-hoc-args.js';
import type { ExitCode } from '../exit-codes.js';
import { parseExtraVars } from '../extra-vars.js';
import type { CliIo } from '../io.js';
import { collect, increase, positiveInt } from '../option-parsers.js';
import { importModule } from '../startup/import-module.js';
import { addConnectionOptions, connectionDefaults } from '../connection-options.js';
import { addVaultOptions, vaultPasswords } from '../vault-options.js';
import type { RegisterCommand } from './context.js';
import { runValidatedPlaybook, type RunCommandOptions } from './run.js';

export interface ExecCommandOptions extends RunCommandOptions {
  module?: string;
  args?: string;
}

/*
 * Ansible's ad-hoc mode: `meshbook exec web -i hosts -- uptime`, `meshbook exec all -i hosts -m apt
 * -a 'name=htop'`, `meshbook ping all -i hosts`. Each is a one-task playbook run like `meshbook run`.
 */
export const registerExecCommand: RegisterCommand = (program, context) => {
  sharedOptions(addConnectionOptions(addVaultOptions(program.command('exec'))))
    .description('run one module (default: command) on the hosts a pattern selects, as `ansible PATTERN -m MODULE -a ARGS`')
    .argument('<pattern>', 'host pattern: all, a group, a host, web*:!web3')
    .argument('[command...]', 'after --: the command to run (the command module, no shell)')
    .option('-m, --module <name>', 'module to run, by its meshbook or Ansible name (command, shell, apt, file, ...)')
    .option('-a, --args <args>', "module parameters: 'key=value ...' (values may be JSON), or the command for command/shell")
    .action(async (pattern: string, command: string[], options: ExecCommandOptions) => {
      context.setExitCode(await execCommand(pattern, command, options, context.io));
    });
  sharedOptions(addConnectionOptions(addVaultOptions(program.command('ping'))))
    .description('connect to the hosts a pattern selects and run `true` there: checks login and become')
    .argument('<pattern>', 'host pattern')
    .action(async (pattern: string, options: ExecCommandOptions) => {
      const ping = { name: 'ping', params: { argv: ['true'], readOnly: true } };
      context.setExitCode(await execCommand(pattern, [], { ...options, module: 'command' }, context.io, ping));
    });
};

function sharedOptions(command: Command): Command {
  return command
    .requiredOption('-i, --inventory <path>', 'inventory directory or file, YAML or INI (repeatable: merged in order)', collect)
    .option('-C, --check', 'report what would change, change nothing')
    .option('-D, --diff', 'show the diff of every change')
    .option('-b, --become', 'run as root (sudo, or --become-method)')
    .option('-f, --forks <n>', 'hosts worked on at the same time (default 16)', positiveInt)
    .option('-e, --extra-vars <vars>', 'variables: key=value, @file.yaml or JSON (repeatable)', collect)
    .option('--json', "print events as JSON lines on stdout (run's event schema: no command output; without --json each host's output is printed)")
    .option('-v, --verbose', 'more detail; repeat for more', increase, 0);
}

export async function execCommand(
  pattern: string,
  command: readonly string[],
  options: ExecCommandOptions,
  io: CliIo,
  fixed?: { name: string; params: unknown },
): Promise<ExitCode> {
  const module = await findModule(options.module ?? 'command');
  const params = fixed?.params ?? moduleParams(module, options.args, command);
  const extraVars = await parseExtraVars(options.extraVars ?? [], io.cwd);
  const inventory = await loadInventory(
    options.inventory.map((path) => resolve(io.cwd, path)),
    { extraVars, vaultPasswords: await vaultPasswords(options, io), defaultVars: await connectionDefaults(options, io) },
  );
  const taskName = fixed?.name ?? `${module.name} ${options.args ?? command.join(' ')}`.trim();
  const playbook: Playbook = definePlaybook({
    name: 'ad-hoc',
    plays: [{ name: taskName, hosts: pattern, tasks: [task(module, params as never, { name: taskName })] }],
  });
  const selection: SelectionOptions = { extraVars };
  const evaluations = new RunEvaluations();
  validatePlaybook(playbook, inventory, selection, evaluations);
  // Each host's output as Ansible's ad-hoc mode prints it; --json keeps `run`'s event schema and prints events only.
  const render = (output: HostOutput) => (fixed?.name === 'ping' ? renderPing : renderHostOutput)(output, options.check === true);
  return runValidatedPlaybook(playbook, 'ad-hoc', inventory, selection, evaluations, options, io, render);
}

function moduleParams(module: Module<unknown, unknown, never, unknown, unknown>, args: string | undefined, command: readonly string[]): unknown {
  const moduleName = module.name;
  if (command.length > 0) {
    if (args !== undefined || (moduleName !== 'command' && moduleName !== 'shell')) {
      throw new MeshbookError('BAD_INPUT', 'a command after -- runs with the command module, without -m/-a', {
        hint: "meshbook exec web -i hosts -- uptime, or meshbook exec web -i hosts -m shell -a 'uptime | cut -d, -f1'",
      });
    }
    return moduleName === 'shell' ? { cmd: command.join(' ') } : { argv: [...command] };
  }
  if (args === undefined) return {};
  const params = parseModuleArgs(args, module.definition.params);
  if (params !== undefined) return params;
  // Free form, as Ansible's command and shell take it: -a 'uptime'.
  if (moduleName === 'command') return { argv: splitWords(args) };
  if (moduleName === 'shell') return { cmd: args };
  throw new MeshbookError('BAD_INPUT', `-a for the ${moduleName} module must be key=value pairs`, { hint: `e.g. -m ${moduleName} -a 'name=value'` });
}

/** A module exported by @meshbook/modules, by its name (apt, get_url) or its export name (getUrl), with or without a collection prefix (ansible.builtin.copy, ansible.posix.sysctl). */
async function findModule(wanted: string): Promise<Module<unknown, unknown, never, unknown, unknown>> {
  const modules = await importModule('@meshbook/modules').catch((error: unknown) => {
    throw new MeshbookError('BAD_INPUT', `-m needs the package @meshbook/modules, which could not be loaded: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'install it next to @meshbook/cli: npm install @meshbook/modules',
    });
  });
  const known = new Map<string, Module<unknown, unknown, never, unknown, unknown>>();
  for (const [exportName, value] of Object.entries(modules)) {
    if (!isModule(value)) continue;
    known.set(exportName, value);
    known.set(value.name, value);
    known.set(snakeCase(exportName), value);
  }
  const found = known.get(wanted) ?? known.get(wanted.replace(/^[a-z0-9_]+\.[a-z0-9_]+\./, ''));
  if (!found) {
    throw new MeshbookError('BAD_INPUT', `no module named ${JSON.stringify(wanted)}`, {
      hint: `modules: ${[...new Set([...known.values()].map((module) => module.name))].sort().join(', ')}`,
    });
  }
  return found;
}

function isModule(value: unknown): value is Module<unknown, unknown, never, unknown, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { parse?: unknown }).parse === 'function' && 'definition' in value;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
