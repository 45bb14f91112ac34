import type { Playbook } from '@meshbook/engine';
import type { Inventory } from '@meshbook/engine';
import { listHosts, listTasks } from '@meshbook/engine';

type ListedHosts = ReturnType<typeof listHosts>[number];
type ListedTasks = ReturnType<typeof listTasks>[number];

export interface ListingOptions {
  syntaxCheck?: boolean;
  listHosts?: boolean;
  listTasks?: boolean;
  json?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
}

/** `--syntax-check`, `--list-hosts`, `--list-tasks` (any combination), as text or one JSON document. */
export function renderListings(playbookPath: string, playbook: Playbook, inventory: Inventory, options: ListingOptions): string {
  const hosts = options.listHosts ? listHosts(playbook, inventory, { limit: options.limit }) : undefined;
  const tasks = options.listTasks ? listTasks(playbook, { tags: options.tags, skipTags: options.skipTags }) : undefined;
  if (options.json) return listingJson(playbookPath, playbook, hosts, tasks);
  let text = '';
  if (options.syntaxCheck) text += `\nplaybook: ${playbookPath}\nsyntax ok: ${playbook.plays.length} play(s)\n`;
  if (hosts) text += renderHostList(playbookPath, playbook, hosts);
  if (tasks) text += renderTaskList(playbookPath, playbook, tasks);
  return text;
}

/** `--list-hosts`, in Ansible's layout. */
export function renderHostList(playbookPath: string, playbook: Playbook, listed: readonly ListedHosts[]): string {
  const lines = ['', `playbook: ${playbookPath}`];
  listed.forEach((entry, index) => {
    const pattern = playbook.plays[index]?.hosts ?? '';
    lines.push('', `  play #${index + 1} (${pattern}): ${entry.play}`, `    hosts (${entry.hosts.length}):`);
    for (const host of entry.hosts) lines.push(`      ${host}`);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * `--list-tasks`, in Ansible's layout: the tasks that the tag selection keeps; a block's tasks
 * indented under `block: NAME`, its rescue and always tasks under `rescue:` and `always:`.
 */
export function renderTaskList(playbookPath: string, playbook: Playbook, listed: readonly ListedTasks[]): string {
  const lines = ['', `playbook: ${playbookPath}`];
  listed.forEach((entry, index) => {
    const pattern = playbook.plays[index]?.hosts ?? '';
    lines.push('', `  play #${index + 1} (${pattern}): ${entry.play}`, '    tasks:');
    let open: NonNullable<ListedTasks['tasks'][number]['blocks']> = [];
    for (const task of entry.tasks) {
      const blocks = task.blocks ?? [];
      // The enclosing blocks both lists share: their headers are printed already.
      let same = 0;
      while (same < blocks.length && same < open.length && blocks[same]!.name === open[same]!.name && blocks[same]!.section === open[same]!.section) same++;
      // Same block, a later section (rescue after tasks): only the section header.
      const sectionOnly = same < blocks.length && same < open.length && blocks[same]!.name === open[same]!.name && blocks[same]!.section !== open[same]!.section;
      blocks.slice(same).forEach((place, offset) => {
        const pad = ' '.repeat(6 + 2 * (same + offset));
        if (!(offset === 0 && sectionOnly)) lines.push(`${pad}block: ${place.name}`);
        if (place.section !== 'tasks') lines.push(`${pad}${place.section}:`);
      });
      open = blocks;
      lines.push(`${' '.repeat(6 + 2 * blocks.length)}${task.name}\tTAGS: [${task.tags.join(', ')}]`);
    }
  });
  return `${lines.join('\n')}\n`;
}

/** The same listings for `--json`: one object, plays in order. */
export function listingJson(playbookPath: string, playbook: Playbook, hosts?: readonly ListedHosts[], tasks?: readonly ListedTasks[]): string {
  const plays = playbook.plays.map((play, index) => ({
    name: play.name,
    pattern: play.hosts,
    ...(hosts ? { hosts: hosts[index]?.hosts ?? [] } : {}),
    ...(tasks ? { tasks: (tasks[index]?.tasks ?? []).map((t) => ({ name: t.name, tags: t.tags, ...(t.blocks ? { blocks: t.blocks } : {}) })) } : {}),
  }));
  return `${JSON.stringify({ playbook: playbookPath, plays }, null, 2)}\n`;
}
