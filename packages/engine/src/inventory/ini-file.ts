import type { Vars } from './types.js';
import { expandHostRange } from './host-ranges.js';
import { parsePythonLiteral } from './python-literal.js';
import { checkGroupName, checkVars, groupDraft, walkHost, type InventoryTree } from './tree.js';

/*
 * Ansible's INI inventory, read as its `ini` plugin reads it:
 *
 *   host1 ansible_port=2222          hosts before any section are in `ungrouped`
 *   [web]                            hosts: `name[:port] key=value ...`, ranges as web[01:03]
 *   [prod:children]                  one child group per line
 *   [prod:vars]                      one `key=value` per line
 *
 * Values are Python literals (3, 1.5, True, None, [1, 2], 'text'); anything else is the text, so
 * `yes` and `true` stay strings as they do in Ansible. Lines starting with # or ; are comments.
 */

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;

type Section = { kind: 'hosts' | 'vars' | 'children'; group: string };

export function readIniInventory(text: string, file: string, tree: InventoryTree): void {
  let section: Section = { kind: 'hosts', group: 'ungrouped' };
  // Groups named only in a [g:vars] section: Ansible refuses them unless defined elsewhere.
  const varsOnly = new Map<string, string>();
  const defined = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `${file}:${index + 1}`;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = SECTION.exec(line);
    if (header) {
      const [, group = '', kind = 'hosts'] = header;
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        tree.issues.push({
          file: where,
          path: `[${group}:${kind}]`,
          message: `section type "${kind}" is unknown`,
          fix: `write [${group}], [${group}:vars] or [${group}:children]`,
        });
        section = { kind: 'vars', group: '' };
        return;
      }
      if (!checkGroupName(tree, where, group, `[${group}]`)) {
        section = { kind: 'vars', group: '' };
        return;
      }
      section = { kind, group };
      if (kind === 'vars') {
        if (!defined.has(group) && !varsOnly.has(group)) varsOnly.set(group, where);
      } else {
        defined.add(group);
        groupDraft(tree, group);
      }
      return;
    }
    if (line.startsWith('[')) {
      tree.issues.push({ file: where, path: line, message: 'malformed section header', fix: 'write a section as [group], [group:vars] or [group:children]' });
      return;
    }
    if (section.group === '') return; // inside a section already reported
    if (section.kind === 'hosts') readHostLine(tree, where, section.group, line);
    else if (section.kind === 'vars') readVarLine(tree, where, section.group, line);
    else readChildLine(tree, where, section.group, line, defined);
  });
  for (const [group, where] of varsOnly) {
    if (defined.has(group) || group === 'all' || group === 'ungrouped') continue;
    tree.issues.push({
      file: where,
      path: `[${group}:vars]`,
      message: `vars for group "${group}", which is not defined in this file`,
      fix: `add a [${group}] section (it may be empty) or fix the group name`,
    });
  }
}

function readHostLine(tree: InventoryTree, where: string, groupName: string, line: string): void {
  let tokens: string[];
  try {
    tokens = shellWords(line);
  } catch (error) {
    tree.issues.push({ file: where, path: line, message: (error as Error).message, fix: 'close the quote on this line' });
    return;
  }
  const [pattern = '', ...assignments] = tokens;
  if (pattern === '') return;
  const vars: Vars = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) {
      tree.issues.push({
        file: where,
        path: pattern,
        message: `expected key=value after the host name, got ${JSON.stringify(assignment)}`,
        fix: 'write host vars as key=value, quoting values with spaces: motd="hello world"',
      });
      return;
    }
    vars[assignment.slice(0, equals)] = parsePythonLiteral(assignment.slice(equals + 1));
  }
  const { name, port } = splitPort(pattern);
  let names: string[];
  try {
    names = expandHostRange(name);
  } catch (error) {
    tree.issues.push({ file: where, path: name, message: `bad host range: ${(error as Error).message}`, fix: 'write a range as web[01:10] or db-[a:f]' });
    return;
  }
  const group = groupDraft(tree, groupName);
  for (const host of names) {
    // As Ansible: `host:port` sets ansible_port only where the host is first defined.
    const portVar = port !== undefined && !tree.hostVars.has(host) ? { ansible_port: port } : {};
    walkHost(tree, where, group, host, { ...portVar, ...vars }, host);
  }
}

function readVarLine(tree: InventoryTree, where: string, groupName: string, line: string): void {
  const equals = line.indexOf('=');
  if (equals <= 0) {
    tree.issues.push({
      file: where,
      path: `[${groupName}:vars]`,
      message: `expected key=value, got ${JSON.stringify(line)}`,
      fix: 'write one variable per line: ntp_server=ntp.example.com',
    });
    return;
  }
  const key = line.slice(0, equals).trim();
  const value = parsePythonLiteral(line.slice(equals + 1).trim());
  Object.assign(groupDraft(tree, groupName).vars, checkVars(tree, where, `[${groupName}:vars].${key}`, { [key]: value }));
}

function readChildLine(tree: InventoryTree, where: string, parent: string, line: string, defined: Set<string>): void {
  const child = shellWords(line)[0] ?? '';
  if (child === '' || !checkGroupName(tree, where, child, `[${parent}:children]`)) return;
  if (child === 'all') {
    tree.issues.push({ file: where, path: `[${parent}:children]`, message: 'group "all" cannot be a child group', fix: 'remove it from these children' });
    return;
  }
  defined.add(child);
  groupDraft(tree, child);
  tree.edges.push({ file: where, parent, child, path: `[${parent}:children]` });
  const draft = groupDraft(tree, parent);
  if (!draft.children.includes(child)) draft.children.push(child);
}

/** `host:2222` -> port 2222; a range's colons (`web[01:03]`) and bare IPv6 addresses are not ports. */
function splitPort(pattern: string): { name: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(pattern);
  if (bracketed) return { name: bracketed[1] ?? '', port: Number(bracketed[2]) };
  const match = /^(.*):(\d+)$/.exec(pattern);
  if (!match) return { name: pattern, port: undefined };
  const head = match[1] ?? '';
  const outsideBrackets = head.replace(/\[[^\]]*\]/g, '');
  if (outsideBrackets.includes(':')) return { name: pattern, port: undefined };
  return { name: head, port: Number(match[2]) };
}

/** Python's shlex.split(line, comments=True): quotes and backslashes as sh reads them, # to the end. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let at = 0;
  while (at < line.length) {
    const char = line[at] ?? '';
    at += 1;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '#') {
      break;
    } else if (char === '\\') {
      word += line[at] ?? '';
      at += 1;
      inWord = true;
    } else if (char === "'" || char === '"') {
      inWord = true;
      const close = line.indexOf(char, at);
      if (char === "'") {
        if (close < 0) throw new Error('no closing quotation');
        word += line.slice(at, close);
        at = close + 1;
      } else {
        for (;;) {
          if (at >= line.length) throw new Error('no closing quotation');
          const next = line[at] ?? '';
          at += 1;
          if (next === '"') break;
          if (next === '\\' && ['"', '\\', '$', '`'].includes(line[at] ?? '')) {
            word += line[at];
            at += 1;
          } else {
            word += next;
          }
        }
      }
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
