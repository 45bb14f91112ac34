import type { ConnectionSpec, Inventory } from '../inventory/types.js';
import type { Become, BecomeMethod } from '../transport/types.js';
import type { Block, HostContext, Play, Task } from './types.js';

/**
 * Ansible's become, become_user and become_method: each inherited on its own, play → blocks →
 * task, so that `become: false` on a block and `become: true` inside it keep the play's user.
 */
export interface BecomeKeywords {
  readonly enabled?: boolean;
  readonly user?: string;
  readonly method?: BecomeMethod;
}

/** What the play and the blocks around a task give it: their conditions and tags, and defaults under its own settings. */
export interface BlockKeywords {
  readonly when: ReadonlyArray<(host: HostContext) => boolean>;
  readonly tags: readonly string[];
  readonly become: BecomeKeywords;
  readonly ignoreErrors?: boolean;
  readonly delegateTo?: string;
  readonly timeoutMs?: number;
  readonly runOnce?: boolean;
}

export const NO_BLOCK_KEYWORDS: BlockKeywords = { when: [], tags: [], become: {} };

/** What a play gives every task and handler in it: its become (the one play keyword a task also has). */
export function playKeywords(play: Play): BlockKeywords {
  return play.become === undefined ? NO_BLOCK_KEYWORDS : { ...NO_BLOCK_KEYWORDS, become: becomeWithin({}, play.become) };
}

/** The keywords inside `block`: its own over those of the blocks around it (an inner block wins, as a task does). */
export function keywordsWithin(outer: BlockKeywords, block: Block): BlockKeywords {
  return {
    when: block.when ? [...outer.when, block.when] : outer.when,
    tags: [...outer.tags, ...(block.tags ?? [])],
    become: becomeWithin(outer.become, block.become),
    ignoreErrors: block.ignoreErrors ?? outer.ignoreErrors,
    delegateTo: block.delegateTo ?? outer.delegateTo,
    timeoutMs: block.timeoutMs ?? outer.timeoutMs,
    runOnce: block.runOnce ?? outer.runOnce,
  };
}

/** A task inside blocks: their conditions checked before its own, their tags added, its own settings over theirs. */
export function withBlockKeywords(task: Task, keywords: BlockKeywords): Task {
  const conditions = keywords.when;
  const own = task.when;
  const tags = [...new Set([...keywords.tags, ...(task.tags ?? [])])];
  const become = becomeOf(becomeWithin(keywords.become, task.become));
  const ignoreErrors = task.ignoreErrors ?? keywords.ignoreErrors;
  const delegateTo = task.delegateTo ?? keywords.delegateTo;
  const timeoutMs = task.timeoutMs ?? keywords.timeoutMs;
  const runOnce = task.runOnce ?? keywords.runOnce;
  return {
    ...task,
    ...(conditions.length > 0 || own
      ? { when: (host: HostContext, item: unknown) => conditions.every((when) => when(host)) && (own ? own(host, item) : true) }
      : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(become !== undefined ? { become } : {}),
    ...(ignoreErrors !== undefined ? { ignoreErrors } : {}),
    ...(delegateTo !== undefined ? { delegateTo } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(runOnce !== undefined ? { runOnce } : {}),
  };
}

/**
 * `own` over what the play and blocks around it set, field by field: `true` and `false` set only
 * whether to become (the user and method stay), an object turns it on with the fields it names.
 */
export function becomeWithin(outer: BecomeKeywords, own: Become | undefined): BecomeKeywords {
  if (own === undefined) return outer;
  if (typeof own === 'boolean') return { ...outer, enabled: own };
  return { ...outer, enabled: true, ...(own.user !== undefined ? { user: own.user } : {}), ...(own.method !== undefined ? { method: own.method } : {}) };
}

/** The Become a task runs with; undefined when nothing set one (the connection's then applies). */
export function becomeOf(keywords: BecomeKeywords): Become | undefined {
  const { enabled, user, method } = keywords;
  if (enabled === undefined) return undefined;
  if (!enabled) return false;
  if (user === undefined && method === undefined) return true;
  return { ...(user !== undefined ? { user } : {}), ...(method !== undefined ? { method } : {}) };
}

/**
 * The Become a task runs with on a host, by Ansible's precedence rules (variables override playbook
 * keywords, which override command-line options): the host's ansible_become_user and
 * ansible_become_method (inventory or -e) win over the user and method the play, blocks and task
 * give (`keyword`, merged by withBlockKeywords); --become-method applies only where neither sets
 * one. Whether to become at all stays the keywords' (see the README, "Coming from Ansible"): a
 * task's `become: false` is meshbook's only way to run a step as the login user under an
 * inventory's ansible_become (Ansible's is `vars: { ansible_become: false }` on the task, and
 * meshbook tasks have no vars). Without a keyword, the connection's own become applies.
 */
export function becomeWithVariables(keyword: Become | undefined, connection: ConnectionSpec): Become | undefined {
  if (keyword === undefined) return connection.become;
  const variables = connection.becomeVariables ?? {};
  const fromKeywords = becomeWithin({}, keyword);
  // A method left unset here is the transport's default: the variables' method, else --become-method.
  return becomeOf({ enabled: fromKeywords.enabled, user: variables.user ?? fromKeywords.user, method: variables.method ?? fromKeywords.method });
}

/** The keywords a block takes; the rest of Block is its structure. */
const KEYWORDS = ['when', 'tags', 'become', 'ignoreErrors', 'delegateTo', 'timeoutMs', 'runOnce'] as const;
const STRUCTURE = new Set(['kind', 'name', 'tasks', 'rescue', 'always']);

/** Keywords a task has but a block cannot pass on: each means something for one task only. */
const TASK_ONLY = new Set(['register', 'notify', 'loop', 'loopLabel', 'until', 'retries', 'delay', 'changedWhen', 'failedWhen', 'params', 'module']);

/** Ansible block keywords meshbook has no task setting for, with where the same thing is said here. */
const NOT_HERE: Record<string, string> = {
  vars: "put them in the play's vars (or the inventory); tasks compute the rest in their params",
  environment: "give it to the command tasks (their env parameter)",
  checkMode: 'check mode is for the whole run (--check)',
  anyErrorsFatal: 'set anyErrorsFatal on the play',
};

/**
 * Problems with a block's own settings, each naming the field and the fix: a setting it cannot
 * pass on to its tasks (or has no meaning for), a value of the wrong type, an unknown delegateTo.
 */
export function blockProblems(block: Block, inventory: Inventory): string[] {
  const problems: string[] = [];
  const set = block as unknown as Record<string, unknown>;
  for (const key of Object.keys(set)) {
    if (STRUCTURE.has(key) || (KEYWORDS as readonly string[]).includes(key) || set[key] === undefined) continue;
    if (TASK_ONLY.has(key)) problems.push(`${key}: a block has no ${key}, a task does: set it on the tasks inside the block`);
    else if (key in NOT_HERE) problems.push(`${key}: not supported on a block (nor on a task): ${NOT_HERE[key]}`);
    else problems.push(`${key}: not a block keyword; a block takes ${KEYWORDS.join(', ')}, and rescue and always`);
  }
  if (block.when !== undefined && typeof block.when !== 'function') problems.push('when: expected a function of the host');
  if (block.tags !== undefined && !(Array.isArray(block.tags) && block.tags.every((tag) => typeof tag === 'string'))) problems.push('tags: expected a list of strings');
  for (const flag of ['ignoreErrors', 'runOnce'] as const) {
    if (block[flag] !== undefined && typeof block[flag] !== 'boolean') problems.push(`${flag}: expected true or false, got ${String(block[flag])}`);
  }
  if (block.timeoutMs !== undefined && !(typeof block.timeoutMs === 'number' && Number.isFinite(block.timeoutMs) && block.timeoutMs >= 0)) {
    problems.push(`timeoutMs: expected milliseconds, 0 or more (0: no timeout), got ${String(block.timeoutMs)}`);
  }
  if (block.delegateTo !== undefined && block.delegateTo !== 'localhost' && !inventory.hosts.has(block.delegateTo)) {
    problems.push(`delegateTo: "${block.delegateTo}" is neither 'localhost' nor an inventory host`);
  }
  return problems;
}
