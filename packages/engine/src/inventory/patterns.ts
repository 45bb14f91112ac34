import picomatch from 'picomatch';
import { MeshbookError } from '../errors.js';
import { closestNames } from './issues.js';

/** What pattern matching needs to know about an inventory. */
export interface PatternScope {
  /** Every host, in inventory order. */
  hostOrder: readonly string[];
  groupNames: readonly string[];
  /** Hosts of a group through its child groups. */
  groupHosts(group: string): readonly string[];
}

const GLOB_CHARS = /[*?[]/;
/** Ansible's subscript on a group: `web[0]`, `web[-1]`, `web[1:3]`, `web[:2]`. */
const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(-?\d+)?\s*:\s*(-?\d+)?)\]$/;

/**
 * Ansible host patterns, for plays' `hosts:` and `--limit`:
 *   all, *            every host
 *   web, web1         a group (its hosts through child groups) or a host
 *   web*, jin-*-m-*   globs on group and host names
 *   ~web\d+           a regular expression on group and host names (anchored at the start)
 *   web[0], web[0:2]  a slice of a group's hosts
 *   !pattern          exclude;  &pattern  intersect
 * Terms are joined with ',' (or ':' when there is no ','). As in Ansible the plain terms are united
 * first, then each & term intersects, then each ! term excludes; with no plain term the start is
 * `all`. The result is in inventory order without duplicates. A plain name that is neither a host
 * nor a group is an error (a typo in --limit must not silently select nothing).
 */
export function selectHosts(scope: PatternScope, pattern: string): string[] {
  const terms = splitPattern(pattern);
  if (terms.length === 0) throw badPattern(`empty host pattern ${JSON.stringify(pattern)}`, 'write a group or host name, or all');
  const unions = terms.filter((term) => !term.startsWith('!') && !term.startsWith('&'));
  const intersections = terms.filter((term) => term.startsWith('&')).map((term) => term.slice(1));
  const exclusions = terms.filter((term) => term.startsWith('!')).map((term) => term.slice(1));

  let selected = new Set<string>();
  for (const term of unions.length > 0 ? unions : ['all']) for (const host of matchTerm(scope, term)) selected.add(host);
  for (const term of intersections) {
    const keep = new Set(matchTerm(scope, term));
    selected = new Set([...selected].filter((host) => keep.has(host)));
  }
  for (const term of exclusions) for (const host of matchTerm(scope, term)) selected.delete(host);
  return scope.hostOrder.filter((host) => selected.has(host));
}

/** Splits on ',' when present (a regex may hold ':'), otherwise on ':' outside brackets. */
export function splitPattern(pattern: string): string[] {
  const separator = pattern.includes(',') ? ',' : ':';
  const terms: string[] = [];
  let current = '';
  let brackets = 0;
  for (const char of pattern) {
    if (char === '[') brackets++;
    if (char === ']') brackets = Math.max(0, brackets - 1);
    if (char === separator && brackets === 0) {
      terms.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((term) => term.trim()).filter((term) => term !== '');
}

function matchTerm(scope: PatternScope, term: string): string[] {
  if (term === '' ) throw badPattern('empty term after "!" or "&"', 'write a name after ! or &, e.g. !web1');
  if (term === 'all' || term === '*') return [...scope.hostOrder];
  if (term.startsWith('~')) return matchNames(scope, compileRegex(term.slice(1)));

  const subscript = SUBSCRIPT.exec(term);
  if (subscript && !GLOB_CHARS.test(subscript[1] ?? '')) return sliceGroup(scope, subscript);
  if (GLOB_CHARS.test(term)) return matchNames(scope, picomatch(term, { dot: true }));

  const isGroup = scope.groupNames.includes(term);
  const isHost = scope.hostOrder.includes(term);
  if (!isGroup && !isHost) {
    const suggestions = closestNames(term, [...scope.groupNames, ...scope.hostOrder]);
    throw badPattern(
      `no host or group named ${JSON.stringify(term)}${suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : ''}`,
      suggestions.length > 0 ? `use one of: ${suggestions.join(', ')}` : 'check the name against `meshbook inventory --graph`',
    );
  }
  return [...(isGroup ? scope.groupHosts(term) : []), ...(isHost ? [term] : [])];
}

/** Hosts of every group whose name matches, plus every host whose name matches. */
function matchNames(scope: PatternScope, test: (name: string) => boolean): string[] {
  const hosts = scope.groupNames.filter((group) => test(group)).flatMap((group) => [...scope.groupHosts(group)]);
  return [...hosts, ...scope.hostOrder.filter((host) => test(host))];
}

function compileRegex(source: string): (name: string) => boolean {
  try {
    // Python's re.match: anchored at the start only.
    const regex = new RegExp(`^(?:${source})`);
    return (name) => regex.test(name);
  } catch (error) {
    throw badPattern(`invalid regular expression ~${source}: ${(error as Error).message}`, 'fix the expression after ~');
  }
}

function sliceGroup(scope: PatternScope, match: RegExpExecArray): string[] {
  const [, group = '', index, start, end] = match;
  if (!scope.groupNames.includes(group)) {
    const suggestions = closestNames(group, scope.groupNames);
    throw badPattern(
      `no group named ${JSON.stringify(group)}${suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : ''}`,
      'a subscript like web[0] selects from a group',
    );
  }
  const hosts = scope.groupHosts(group);
  if (index !== undefined) {
    const i = Number(index);
    const host = hosts[i < 0 ? hosts.length + i : i];
    return host === undefined ? [] : [host];
  }
  // Ansible's slices include the end: web[0:1] is the first two hosts.
  const from = start === undefined ? 0 : Number(start);
  const to = end === undefined ? hosts.length - 1 : Number(end);
  return hosts.slice(from < 0 ? hosts.length + from : from, (to < 0 ? hosts.length + to : to) + 1);
}

function badPattern(message: string, fix: string): MeshbookError {
  return new MeshbookError('BAD_INPUT', `host pattern: ${message}`, { hint: fix });
}
