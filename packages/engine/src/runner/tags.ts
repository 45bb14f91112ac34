import type { SelectionOptions } from './options.js';

/**
 * Ansible's tag rules: 'always' runs unless skipped by name; 'never' runs only when asked for by one
 * of its tags; 'all' (the default) is every task but 'never'; 'tagged' / 'untagged' select by
 * whether a task has tags at all.
 */
export function selectedByTags(taskTags: readonly string[] | undefined, selection: Pick<SelectionOptions, 'tags' | 'skipTags'>): boolean {
  const tags = new Set(taskTags && taskTags.length > 0 ? taskTags : ['untagged']);
  const untagged = tags.size === 1 && tags.has('untagged');
  const only = selection.tags && selection.tags.length > 0 ? selection.tags : ['all'];
  const skip = selection.skipTags ?? [];
  const any = (list: readonly string[]) => list.some((t) => tags.has(t));

  let run: boolean;
  if (tags.has('always')) run = true;
  else if (only.includes('all') && !tags.has('never')) run = true;
  else if (any(only)) run = true;
  else run = only.includes('tagged') && !untagged && !tags.has('never');

  if (run && skip.length > 0) {
    if (skip.includes('all')) run = tags.has('always') && !skip.includes('always');
    else if (any(skip)) run = false;
    else if (skip.includes('tagged') && !untagged) run = false;
  }
  return run;
}
