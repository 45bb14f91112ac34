import { MeshbookError, itemsFrom, taskName, tasksOf } from '@meshbook/engine';
import type { Playbook } from '@meshbook/engine';

/** Tags with a meaning of their own in a selection (Ansible's). */
const SPECIAL_TAGS = new Set(['all', 'always', 'never', 'tagged', 'untagged']);

/** Every tag on a task of the playbook, sorted, as Ansible's --list-tags gathers them. */
export function playbookTags(playbook: Playbook): string[] {
  const tags = new Set<string>();
  for (const play of playbook.plays) for (const task of tasksOf(play)) for (const tag of task.tags ?? []) tags.add(tag);
  return [...tags].sort();
}

/** A --tags/--skip-tags name that no task has: it selects nothing, which is almost always a typo. */
export function unknownTagWarnings(playbook: Playbook, selection: { tags?: readonly string[]; skipTags?: readonly string[] }): string[] {
  const known = new Set(playbookTags(playbook));
  const shown = known.size > 0 ? [...known].join(', ') : 'none';
  return [...(selection.tags ?? []).map((tag) => ['--tags', tag] as const), ...(selection.skipTags ?? []).map((tag) => ['--skip-tags', tag] as const)]
    .filter(([, tag]) => !known.has(tag) && !SPECIAL_TAGS.has(tag))
    .map(([option, tag]) => `${option} ${tag}: no task has the tag "${tag}" (the playbook's tags: ${shown})`);
}

/** `--list-tags`, in Ansible's layout: each play's task tags. */
export function renderTagList(playbookPath: string, playbook: Playbook): string {
  const lines = ['', `playbook: ${playbookPath}`];
  playbook.plays.forEach((play, index) => {
    const tags = new Set<string>();
    for (const task of tasksOf(play)) for (const tag of task.tags ?? []) tags.add(tag);
    lines.push('', `  play #${index + 1} (${play.hosts}): ${play.name}\tTAGS: []`, `      TASK TAGS: [${[...tags].sort().join(', ')}]`);
  });
  return `${lines.join('\n')}\n`;
}

/**
 * `--start-at-task NAME`: the playbook from the first task with that name on; the plays before it
 * and the tasks before it in its play are left out (inside a block, the block's earlier tasks; its
 * rescue and always stay). Refuses a name no task has, naming close ones.
 */
export function startAtTask(playbook: Playbook, name: string): Playbook {
  for (const [playIndex, play] of playbook.plays.entries()) {
    const tasks = itemsFrom(play.tasks, name);
    if (!tasks) continue;
    const plays = playbook.plays.slice(playIndex).map((later, index) => (index === 0 ? { ...later, tasks } : later));
    return { ...playbook, plays } as Playbook;
  }
  const names = playbook.plays.flatMap((play) => tasksOf(play).map((task) => taskName(task)));
  if (names.includes(name)) {
    throw new MeshbookError('BAD_INPUT', `--start-at-task: ${JSON.stringify(name)} is a task of a block's rescue, which runs only after a failure in the block`, {
      hint: 'start at the block\'s first task, or at a task before it',
    });
  }
  const close = names.filter((candidate) => candidate.toLowerCase().includes(name.toLowerCase())).slice(0, 5);
  throw new MeshbookError('BAD_INPUT', `--start-at-task: no task is named ${JSON.stringify(name)}`, {
    hint: close.length > 0 ? `did you mean ${close.map((c) => JSON.stringify(c)).join(', ')}?` : 'see the task names with --list-tasks',
  });
}
