import { MeshbookError, messageOf } from '../errors.js';
import type { Inventory } from '../inventory/types.js';
import { variableProblems, zodProblems } from '../module/validation.js';
import { serialProblem } from './batches.js';
import { blockProblems } from './block-keywords.js';
import { NotKnownYet, PlayEvaluations, RunEvaluations, loopItems } from './evaluate-task.js';
import { createHostContext } from './host-context.js';
import { groupMembers, playHostVars, selectPlayHosts } from './hosts.js';
import type { SelectionOptions } from './options.js';
import { taskPath } from './params.js';
import { playSteps } from './play-steps.js';
import { runConnections } from './play-connection.js';
import { retryProblems } from './retry.js';
import { selectedByTags } from './tags.js';
import type { HostContext, Play, Playbook, Task } from './types.js';

/**
 * Checks a playbook against an inventory before anything connects: host patterns, serial and
 * thresholds, each host's vars against the play's varsSchema, every task's params (static ones
 * once, dynamic ones per targeted host), notify and delegateTo names. Throws one BAD_INPUT error
 * listing every problem found.
 */
export function validatePlaybook(
  playbook: Playbook,
  inventory: Inventory,
  options: SelectionOptions & { check?: boolean } = {},
  /** A run's evaluations: what validation evaluated, the run does not evaluate again. */
  evaluations: RunEvaluations = new RunEvaluations(),
): void {
  const problems: string[] = [];
  const add = (problem: string) => {
    if (!problems.includes(problem)) problems.push(problem);
  };
  const groups = groupMembers(inventory);

  if (options.limit) {
    try {
      inventory.select(options.limit);
    } catch (error) {
      add(`limit "${options.limit}": ${messageOf(error)}`);
    }
  }

  playbook.plays.forEach((play, playIndex) => {
    const where = `plays[${playIndex}] "${play.name}"`;
    let hosts: string[] = [];
    try {
      hosts = selectPlayHosts(play, inventory, options.limit);
    } catch (error) {
      add(`${where}: hosts "${play.hosts}": ${messageOf(error)}`);
    }
    const serial = serialProblem(play.serial);
    if (serial) add(`${where}: ${serial}`);
    if (play.maxFailPercentage !== undefined && !(play.maxFailPercentage >= 0 && play.maxFailPercentage <= 100)) {
      add(`${where}: maxFailPercentage: expected a number from 0 to 100, got ${play.maxFailPercentage}`);
    }

    const contexts = hosts.map((host) =>
      createHostContext({
        name: host,
        vars: playHostVars(inventory, host, play, options.extraVars),
        groups,
        groupNames: inventory.hosts.get(host)?.groups ?? [],
        check: options.check === true,
        hostvars: (other) => (inventory.hosts.has(other) ? playHostVars(inventory, other, play, options.extraVars) : undefined),
        lookupResult: (_host, ref) => {
          throw new NotKnownYet('registered result', `registered result "${ref}"`);
        },
        hostFacts: () => {
          throw new NotKnownYet('host facts', `host "${host}"'s facts`);
        },
      }),
    );

    // Hosts whose vars break the schema: their tasks would only repeat the same problem.
    const badVars = new Set<string>();
    if (play.varsSchema) {
      for (const ctx of contexts) {
        const parsed = play.varsSchema.safeParse(ctx.vars);
        if (parsed.success) continue;
        badVars.add(ctx.name);
        for (const problem of variableProblems(parsed.error)) add(`${where}: host "${ctx.name}": ${problem}`);
      }
    }

    if (play.validateHosts && contexts.length > 0) {
      try {
        for (const problem of play.validateHosts(contexts)) add(`${where}: ${problem}`);
      } catch (error) {
        add(`${where}: ${messageOf(error)}`);
      }
    }

    const handlerNames = new Set<string>();
    for (const handler of play.handlers ?? []) {
      if (handlerNames.has(handler.name)) add(`${where}: handler "${handler.name}" is defined twice`);
      handlerNames.add(handler.name);
    }

    const validHosts = contexts.filter((ctx) => !badVars.has(ctx.name));
    const steps = playSteps(play, playIndex);
    for (const step of steps.blocks) for (const problem of blockProblems(step.block, inventory)) add(`${step.where}: ${problem}`);
    for (const { spec, own } of steps.tasks) {
      if (!selectedByTags(spec.task.tags, options)) continue;
      checkTask(spec.task, own, spec.where, play, validHosts, inventory, add, evaluations.of(play));
    }
    (play.handlers ?? []).forEach((handler, index) => {
      checkTask(handler, handler, taskPath(playIndex, play.name, 'handlers', index, handler.name), play, validHosts, inventory, add, evaluations.of(play));
    });
  });

  for (const problem of runConnections(playbook, inventory, options).problems) add(problem);

  if (problems.length > 0) {
    throw new MeshbookError(
      'BAD_INPUT',
      `playbook "${playbook.name}" has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'fix the listed problems; nothing was run on any host' },
    );
  }
}

/** `task` as it runs; `own` as written, whose settings are checked here (a block's are checked once, on the block). */
function checkTask(
  task: Task,
  own: Task,
  where: string,
  play: Play,
  contexts: readonly HostContext[],
  inventory: Inventory,
  add: (p: string) => void,
  evaluations: PlayEvaluations,
): void {
  if (!task.module?.definition) {
    add(`${where}: not a module (build tasks with task(module, params))`);
    return;
  }
  for (const problem of retryProblems(own)) add(`${where}: ${problem}`);
  for (const name of own.notify ?? []) {
    if (!play.handlers?.some((h) => h.name === name)) add(`${where}: notify: play "${play.name}" has no handler "${name}"`);
  }
  if (own.delegateTo !== undefined && own.delegateTo !== 'localhost' && !inventory.hosts.has(own.delegateTo)) {
    add(`${where}: delegateTo: "${own.delegateTo}" is neither 'localhost' nor an inventory host`);
  }

  if (typeof task.params !== 'function') {
    const invalid = task.module.atBoundary(task.params).invalid;
    if (invalid) for (const problem of zodProblems(invalid)) add(`${where}: ${problem}`);
    return;
  }
  // Dynamic params: evaluated per host as the run would, skipping what needs registered results.
  for (const ctx of contexts) {
    try {
      for (const item of loopItems(task, ctx) ?? [undefined]) {
        const evaluation = evaluations.evaluate(task, ctx, item);
        if (evaluation.skip !== undefined || !evaluation.boundary.invalid) continue;
        for (const problem of zodProblems(evaluation.boundary.invalid)) add(`${where} on host "${ctx.name}": ${problem}`);
      }
    } catch (error) {
      if (error instanceof NotKnownYet) continue;
      const message = messageOf(error);
      // host.var() errors already name the host.
      add(message.startsWith(`host "${ctx.name}"`) ? `${where}: ${message}` : `${where} on host "${ctx.name}": ${message}`);
    }
  }
}


