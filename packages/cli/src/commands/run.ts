import { resolve } from 'node:path';
import { Option } from 'commander';
import { EXIT } from '../exit-codes.js';
import type { ExitCode } from '../exit-codes.js';
import { MeshbookError } from '@meshbook/engine';
import type { HostOutput, Inventory, Playbook, RunSummary, SelectionOptions } from '@meshbook/engine';
import type { Transport } from '@meshbook/engine';
import { loadInventory } from '@meshbook/engine';
import { RunEvaluations, runPlaybook, validatePlaybook } from '@meshbook/engine';
import { connectHost } from '../connect-host.js';
import { EXIT_CODES_HELP, exitCodeOf } from '../exit-codes.js';
import { parseExtraVars } from '../extra-vars.js';
import { watchInterrupts } from '../interrupt.js';
import type { CliIo } from '../io.js';
import { loadPlaybook } from '../load-playbook.js';
import { startReporting } from '../reporting.js';
import { collect, commaList, increase, nonNegativeSeconds, positiveInt } from '../option-parsers.js';
import { addConnectionOptions, connectionDefaults, type ConnectionCommandOptions } from '../connection-options.js';
import { addVaultOptions, vaultPasswords, type VaultCommandOptions } from '../vault-options.js';
import type { RegisterCommand } from './context.js';
import { renderListings } from './listings.js';
import { renderTagList, startAtTask, unknownTagWarnings } from './tags-and-start.js';

export interface RunCommandOptions extends VaultCommandOptions, ConnectionCommandOptions {
  /** -i, repeatable: several inventories are merged as Ansible merges them. */
  inventory: string[];
  check?: boolean;
  diff?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  forks?: number;
  extraVars?: string[];
  json?: boolean;
  logFile?: string;
  verbose: number;
  syntaxCheck?: boolean;
  listHosts?: boolean;
  listTasks?: boolean;
  listTags?: boolean;
  startAtTask?: string;
  lockTimeout?: number;
  taskTimeout?: number;
  detailedExitcode?: boolean;
}

export const registerRunCommand: RegisterCommand = (program, context) => {
  addConnectionOptions(addVaultOptions(program.command('run')))
    .option('-b, --become', 'run every play as root (sudo, or --become-method) unless the play or task says otherwise')
    .description('run a playbook against an inventory')
    .argument('<playbook>', 'playbook file (.ts) whose default export is definePlaybook({...})')
    .requiredOption('-i, --inventory <path>', 'inventory directory or file, YAML or INI (repeatable: merged in order)', collect)
    .option('-C, --check', 'gather and plan only: report what would change, change nothing')
    .option('-D, --diff', 'show the diff of every change')
    .option('-l, --limit <pattern>', 'further limit the hosts with a pattern (group, host, glob, !exclude, &intersect)')
    .option('-t, --tags <tags>', 'run only tasks with these tags (comma list, repeatable)', commaList)
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma list, repeatable)', commaList)
    .option('-f, --forks <n>', 'hosts worked on at the same time (default 16)', positiveInt)
    .option('-e, --extra-vars <vars>', 'variables: key=value, @file.yaml or JSON (repeatable; highest precedence)', collect)
    .option('--lock-timeout <seconds>', 'wait this long for a host another meshbook run holds, then report it HOST_LOCKED (default 30)', nonNegativeSeconds)
    .option('--task-timeout <seconds>', 'fail a task on a host with TIMEOUT after this long unless the task sets its own timeoutMs; 0: no default (default 3600)', nonNegativeSeconds)
    .option('--detailed-exitcode', `with --check: exit ${EXIT.CHANGES_PENDING} when changes are pending (0 when there are none), for drift checks`)
    .option('--json', 'print events as JSON lines on stdout instead of the terminal output')
    .option('--log-file <path>', 'also write every event as a structured (pino) log to this file')
    .option('-v, --verbose', 'more detail; repeat for more (-vv, -vvv)', increase, 0)
    .addOption(new Option('--syntax-check', 'load and validate the playbook and inventory, then exit'))
    .addOption(new Option('--list-hosts', 'print the hosts each play would run on, then exit'))
    .addOption(new Option('--list-tasks', 'print the tasks each play would run, then exit'))
    .addOption(new Option('--list-tags', 'print the tags of each play\'s tasks, then exit'))
    .option('--start-at-task <name>', 'start at the first task with this name (earlier tasks and plays are left out)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (playbookPath: string, options: RunCommandOptions) => {
      context.setExitCode(await runCommand(playbookPath, options, context.io));
    });
};

/** load inventory → load playbook → validate → (listings) → run, connecting lazily. */
export async function runCommand(playbookPath: string, options: RunCommandOptions, io: CliIo): Promise<ExitCode> {
  if (options.detailedExitcode && !options.check) {
    throw new MeshbookError('BAD_INPUT', '--detailed-exitcode reports pending changes, so it needs --check', {
      hint: 'run with --check --detailed-exitcode (a real run applies the changes instead)',
    });
  }
  const extraVars = await parseExtraVars(options.extraVars ?? [], io.cwd);
  const inventory = await loadInventory(options.inventory.map((path) => resolve(io.cwd, path)), { extraVars, vaultPasswords: await vaultPasswords(options, io), defaultVars: await connectionDefaults(options, io) });
  const loaded = await loadPlaybook(playbookPath, io.cwd, (warning) => io.stderr.write(`[WARNING]: ${warning}\n`));
  const playbook = options.startAtTask !== undefined ? startAtTask(loaded, options.startAtTask) : loaded;
  for (const warning of unknownTagWarnings(loaded, options)) io.stderr.write(`[WARNING]: ${warning}\n`);
  if (options.listTags) {
    io.stdout.write(renderTagList(playbookPath, loaded));
    return EXIT.OK;
  }
  const selection: SelectionOptions = { limit: options.limit, extraVars, tags: options.tags, skipTags: options.skipTags };
  const evaluations = new RunEvaluations();
  validatePlaybook(playbook, inventory, selection, evaluations);

  if (options.syntaxCheck || options.listHosts || options.listTasks) {
    for (const warning of inventory.warnings) io.stderr.write(`[WARNING]: ${warning}\n`);
    io.stdout.write(renderListings(playbookPath, playbook, inventory, options));
    return EXIT.OK;
  }

  return runValidatedPlaybook(playbook, playbookPath, inventory, selection, evaluations, options, io);
}

/** Runs a loaded, validated playbook with the run command's reporting and interrupts (also ad-hoc exec). */
export async function runValidatedPlaybook(
  playbook: Playbook,
  playbookPath: string,
  inventory: Inventory,
  selection: SelectionOptions,
  /** What validatePlaybook(playbook, inventory, selection, evaluations) evaluated: the run keeps it. */
  evaluations: RunEvaluations,
  options: RunCommandOptions,
  io: CliIo,
  /** exec: renders each host's output for the terminal (the engine gathers it only when given). */
  renderHostOutput?: (output: HostOutput) => string,
): Promise<ExitCode> {
  const reporting = startReporting(options, io);
  const { events } = reporting;
  for (const warning of inventory.warnings) events.emit({ type: 'warning', time: Date.now(), message: warning });

  const interrupts = watchInterrupts(io.signals, io.stderr);
  const stopWatchingStdout = io.stdout.onClosed(() => interrupts.interrupt('stdout closed'));
  const opened: Transport[] = [];
  try {
    const run = runPlaybook(playbook, {
      ...selection,
      inventory,
      check: options.check === true,
      diff: options.diff === true,
      forks: options.forks,
      ...(renderHostOutput && !options.json ? { onHostOutput: (output: HostOutput) => reporting.print(renderHostOutput(output)) } : {}),
      ...(options.lockTimeout !== undefined ? { hostLockWaitMs: options.lockTimeout * 1000 } : {}),
      ...(options.taskTimeout !== undefined ? { taskTimeoutMs: options.taskTimeout * 1000 } : {}),
      connect: async (host, connectOptions) => {
        const transport = await connectHost(host, connectOptions);
        opened.push(transport);
        return transport;
      },
      events,
      signal: interrupts.signal,
      playbookName: playbookPath,
      // Already validated above, before any listing or connection.
      validate: false,
      // Validation's host contexts are not in check mode: a check run evaluates the params again, as its own.
      ...(options.check === true ? {} : { evaluations }),
    });
    // A forced stop leaves the run promise behind; its late rejection must not surface as unhandled.
    run.catch(() => undefined);
    const exitCode = await Promise.race([run.then((summary) => runExitCode(summary, options)), interrupts.forced.then(() => undefined)]);
    if (exitCode !== undefined) return exitCode;
    // Forced stop: the run is abandoned; closing its connections ends what it left running remotely.
    await closeWithin(opened, 2000);
    return EXIT.INTERRUPTED;
  } finally {
    stopWatchingStdout();
    interrupts.dispose();
    reporting.close();
  }
}

function runExitCode(summary: RunSummary, options: RunCommandOptions): ExitCode {
  const pending = Object.values(summary.hosts).some((counts) => counts.changed > 0);
  if (options.detailedExitcode && summary.outcome === 'ok' && pending) return EXIT.CHANGES_PENDING;
  return exitCodeOf(summary.outcome);
}

async function closeWithin(transports: readonly Transport[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.allSettled(transports.map((t) => t.close())), deadline]);
  clearTimeout(timer);
}
