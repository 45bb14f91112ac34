import type { Inventory } from '../inventory/types.js';
import type { SelectionOptions } from './options.js';
import { selectPlayHosts } from './hosts.js';
import { playSteps } from './play-steps.js';
import type { BlockPlace } from './play-steps.js';
import { selectedByTags } from './tags.js';
import type { Playbook } from './types.js';

/** A task as `--list-tasks` shows it; `blocks` (outermost first) when it sits inside blocks. */
export interface ListedTask {
  name: string;
  /** Its own tags and its blocks'. */
  tags: string[];
  blocks?: BlockPlace[];
}

/** `--list-hosts`: each play's hosts after `--limit`, in inventory order. */
export function listHosts(playbook: Playbook, inventory: Inventory, options: Pick<SelectionOptions, 'limit'> = {}): Array<{ play: string; hosts: string[] }> {
  return playbook.plays.map((play) => ({ play: play.name, hosts: selectPlayHosts(play, inventory, options.limit) }));
}

/**
 * `--list-tasks`: each play's tasks that the tag selection keeps (handlers and flushes left out),
 * blocks walked in order (tasks, rescue, always), each task with the blocks it sits in.
 */
export function listTasks(playbook: Playbook, options: Pick<SelectionOptions, 'tags' | 'skipTags'> = {}): Array<{ play: string; tasks: ListedTask[] }> {
  return playbook.plays.map((play, index) => ({
    play: play.name,
    tasks: playSteps(play, index).tasks.flatMap(({ spec, blocks }) =>
      selectedByTags(spec.task.tags, options) ? [{ name: spec.name, tags: [...(spec.task.tags ?? [])], ...(blocks.length > 0 ? { blocks: [...blocks] } : {}) }] : [],
    ),
  }));
}
