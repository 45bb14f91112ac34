import type { Inventory } from '../inventory/types.js';
import type { SelectionOptions } from './options.js';
import { selectPlayHosts } from './hosts.js';
import { taskName } from './params.js';
import { selectedByTags } from './tags.js';
import type { Playbook } from './types.js';

/** `--list-hosts`: each play's hosts after `--limit`, in inventory order. */
export function listHosts(playbook: Playbook, inventory: Inventory, options: Pick<SelectionOptions, 'limit'> = {}): Array<{ play: string; hosts: string[] }> {
  return playbook.plays.map((play) => ({ play: play.name, hosts: selectPlayHosts(play, inventory, options.limit) }));
}

/** `--list-tasks`: each play's tasks that the tag selection keeps (handlers and flushes left out). */
export function listTasks(
  playbook: Playbook,
  options: Pick<SelectionOptions, 'tags' | 'skipTags'> = {},
): Array<{ play: string; tasks: Array<{ name: string; tags: string[] }> }> {
  return playbook.plays.map((play) => ({
    play: play.name,
    tasks: play.tasks.flatMap((item) =>
      item.kind === 'task' && selectedByTags(item.tags, options) ? [{ name: taskName(item), tags: [...(item.tags ?? [])] }] : [],
    ),
  }));
}
