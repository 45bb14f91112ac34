import { parseHostKeyPolicy } from './connection-vars.js';
import type { HostKeyPolicy } from './types.js';

/** What meshbook takes from Ansible's `ansible_ssh_common_args`; everything else is reported as ignored. */
export interface SshArgsFindings {
  proxyJump?: string;
  hostKeyPolicy?: HostKeyPolicy;
  knownHostsFile?: string;
  connectTimeoutSeconds?: number;
  ignored: string[];
}

/** ssh flags that take a value, so the value is not mistaken for a host or another flag. */
const FLAGS_WITH_VALUE = new Set(['-B', '-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w']);

/** Options that only matter to OpenSSH's connection reuse; meshbook keeps its own connections. */
const MEANINGLESS_HERE = new Set(['controlmaster', 'controlpersist', 'controlpath']);

export function parseSshArgs(text: string): SshArgsFindings {
  const findings: SshArgsFindings = { ignored: [] };
  const tokens = splitShellWords(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (token === '-J' || (token.startsWith('-J') && token.length > 2)) {
      const value = token === '-J' ? tokens[++i] : token.slice(2);
      if (value) findings.proxyJump = value;
      continue;
    }
    if (token === '-o' || (token.startsWith('-o') && token.length > 2)) {
      const option = token === '-o' ? (tokens[++i] ?? '') : token.slice(2);
      applyOption(option, findings);
      continue;
    }
    if (FLAGS_WITH_VALUE.has(token)) {
      findings.ignored.push(`${token} ${tokens[++i] ?? ''}`.trim());
      continue;
    }
    findings.ignored.push(token);
  }
  return findings;
}

function applyOption(option: string, findings: SshArgsFindings): void {
  const match = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)$/.exec(option);
  if (!match) {
    findings.ignored.push(`-o ${option}`);
    return;
  }
  const name = (match[1] ?? '').toLowerCase();
  const value = (match[2] ?? '').trim();
  switch (name) {
    case 'proxyjump':
      if (value.toLowerCase() !== 'none') findings.proxyJump = value;
      return;
    case 'proxycommand': {
      const bastion = bastionFromProxyCommand(value);
      if (bastion) findings.proxyJump = bastion;
      else findings.ignored.push(`-o ProxyCommand=${value}`);
      return;
    }
    case 'stricthostkeychecking': {
      const policy = parseHostKeyPolicy(value.toLowerCase());
      if (policy) findings.hostKeyPolicy = policy;
      else findings.ignored.push(`-o StrictHostKeyChecking=${value}`);
      return;
    }
    case 'userknownhostsfile':
      // /dev/null only pairs with StrictHostKeyChecking=no, which already says "off".
      if (value !== '/dev/null') findings.knownHostsFile = value;
      return;
    case 'connecttimeout':
      if (/^\d+$/.test(value) && Number(value) > 0) findings.connectTimeoutSeconds = Number(value);
      else findings.ignored.push(`-o ConnectTimeout=${value}`);
      return;
    default:
      if (!MEANINGLESS_HERE.has(name)) findings.ignored.push(`-o ${option.trim()}`);
  }
}

/** `ssh -W %h:%p -q [-p 2222] [-l user] user@bastion` is a bastion hop written the old way. */
function bastionFromProxyCommand(command: string): string | undefined {
  const words = splitShellWords(command);
  if (!/(^|\/)ssh$/.test(words[0] ?? '') || !words.includes('-W')) return undefined;
  let host: string | undefined;
  let port: string | undefined;
  let user: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    if (FLAGS_WITH_VALUE.has(word)) {
      const value = words[++i];
      if (word === '-p') port = value;
      if (word === '-l') user = value;
    } else if (!word.startsWith('-')) {
      host = word;
    }
  }
  if (!host) return undefined;
  const withUser = user && !host.includes('@') ? `${user}@${host}` : host;
  return port ? `${withUser}:${port}` : withUser;
}

/** POSIX-shell word splitting with quotes and backslashes: enough for ssh argument strings. */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
