import { NO_BLOCK_KEYWORDS, keywordsWithin, playKeywords, withBlockKeywords } from './block-keywords.js';
import type { BlockKeywords } from './block-keywords.js';
import { taskName } from './params.js';
import type { TaskSpec } from './run-host-task.js';
import type { Block, Handler, Play, PlayItem, Task } from './types.js';

/** The part of a block a step sits in. */
export type BlockSection = 'tasks' | 'rescue' | 'always';

/** One enclosing block of a task, outermost first: its name and the section the task is in. */
export interface BlockPlace {
  readonly name: string;
  readonly section: BlockSection;
}

export interface TaskStep {
  readonly kind: 'task';
  /** The task as it runs: its blocks' keywords folded in (block-keywords.ts). */
  readonly spec: TaskSpec;
  /** The task as written, without what its blocks give it: validation names its own settings. */
  readonly own: Task;
  /** Index into PlaySteps.prefetched of the first task the prefetch may look at from here. */
  readonly order: number;
  readonly blocks: readonly BlockPlace[];
}

export interface BlockStep {
  readonly kind: 'block';
  readonly block: Block;
  readonly where: string;
  readonly tasks: readonly Step[];
  readonly rescue: readonly Step[];
  readonly always: readonly Step[];
  /** A failure inside the block that nothing here rescues is rescued by an enclosing block. */
  readonly rescuable: boolean;
}

export type Step = TaskStep | BlockStep | { readonly kind: 'flush_handlers' };

/** A play's items as the runner walks them. */
export interface PlaySteps {
  readonly steps: readonly Step[];
  /** Every task step, blocks walked in order (block, rescue, always). */
  readonly tasks: readonly TaskStep[];
  /** Every block step, outer ones first. */
  readonly blocks: readonly BlockStep[];
  /** The tasks the prefetch looks ahead at: every task but those of a rescue, which rarely run. */
  readonly prefetched: readonly Task[];
  /** The play's handlers as they run (its become folded in), in the order written. */
  readonly handlers: readonly Handler[];
}

/** What enclosing blocks give the tasks inside them. */
interface Inherited {
  keywords: BlockKeywords;
  blocks: readonly BlockPlace[];
  where: string;
  rescuable: boolean;
  inRescue: boolean;
}

const compiled = new WeakMap<Play, Map<number, PlaySteps>>();

/**
 * A play's steps, compiled once per play object (and position): validation, prefetch and the run
 * share the same task objects (evaluations are kept per task). Here the play's keywords, then its
 * blocks', are folded into each task, the one place that merges them; a task that gets nothing
 * from either is itself.
 */
export function playSteps(play: Play, playIndex: number): PlaySteps {
  let byIndex = compiled.get(play);
  if (!byIndex) compiled.set(play, (byIndex = new Map()));
  let steps = byIndex.get(playIndex);
  if (!steps) byIndex.set(playIndex, (steps = compile(play, playIndex)));
  return steps;
}

/** Every task of a play as it runs, blocks walked in order (tasks, rescue, always), with what blocks add. */
export function tasksOf(play: Play): Task[] {
  return playSteps(play, 0).tasks.map((step) => step.spec.task);
}

/**
 * `--start-at-task`: the items from the first task named `name` on. Inside a block, the block is
 * kept (its rescue and always with it) with its tasks from there; a task of an always section
 * starts there. Rescue tasks are never a start: they run only after a failure (as in Ansible).
 * Undefined when no task has the name.
 */
export function itemsFrom(items: readonly PlayItem[], name: string): PlayItem[] | undefined {
  for (const [index, item] of items.entries()) {
    const rest = items.slice(index + 1);
    if (item.kind === 'task' && taskName(item) === name) return items.slice(index);
    if (item.kind !== 'block') continue;
    const inTasks = itemsFrom(item.tasks, name);
    if (inTasks) return [{ ...item, tasks: inTasks }, ...rest];
    const inAlways = itemsFrom(item.always ?? [], name);
    if (inAlways) return [{ ...item, tasks: [], rescue: [], always: inAlways }, ...rest];
  }
  return undefined;
}

function compile(play: Play, playIndex: number): PlaySteps {
  const tasks: TaskStep[] = [];
  const blocks: BlockStep[] = [];
  const prefetched: Task[] = [];
  const root: Inherited = { keywords: playKeywords(play), blocks: [], where: `plays[${playIndex}] "${play.name}"`, rescuable: false, inRescue: false };

  const walk = (items: readonly PlayItem[], section: BlockSection, inherited: Inherited): Step[] =>
    items.map((item, index): Step => {
      if (item.kind === 'flush_handlers') return { kind: 'flush_handlers' };
      if (item.kind === 'block') {
        const where = `${inherited.where} ${section}[${index}] "${item.name}"`;
        const keywords = keywordsWithin(inherited.keywords, item);
        // Outer blocks before the ones inside them, in the order written.
        const at = blocks.length;
        const inner = (part: BlockSection): Inherited => ({
          keywords,
          blocks: [...inherited.blocks, { name: item.name, section: part }],
          where,
          rescuable: part === 'tasks' ? inherited.rescuable || (item.rescue?.length ?? 0) > 0 : inherited.rescuable,
          inRescue: inherited.inRescue || part === 'rescue',
        });
        const step: BlockStep = {
          kind: 'block',
          block: item,
          where,
          tasks: walk(item.tasks, 'tasks', inner('tasks')),
          rescue: walk(item.rescue ?? [], 'rescue', inner('rescue')),
          always: walk(item.always ?? [], 'always', inner('always')),
          rescuable: inherited.rescuable,
        };
        blocks.splice(at, 0, step);
        return step;
      }
      const task = inherited.keywords === NO_BLOCK_KEYWORDS ? item : withBlockKeywords(item, inherited.keywords);
      const name = taskName(task);
      const step: TaskStep = {
        kind: 'task',
        spec: { task, name, where: `${inherited.where} ${section}[${index}] "${name}"`, handler: false, order: prefetched.length, ...(inherited.rescuable ? { rescuable: true } : {}) },
        own: item,
        order: prefetched.length,
        blocks: inherited.blocks,
      };
      tasks.push(step);
      if (!inherited.inRescue) prefetched.push(task);
      return step;
    });

  const handlers = (play.handlers ?? []).map((handler) => (root.keywords === NO_BLOCK_KEYWORDS ? handler : (withBlockKeywords(handler, root.keywords) as Handler)));
  return { steps: walk(play.tasks, 'tasks', root), tasks, blocks, prefetched, handlers };
}
