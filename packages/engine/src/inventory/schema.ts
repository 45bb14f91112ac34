import { z } from 'zod';
import { connectionFieldOf, connectionFieldParsers, isSecretVarName, templateReference } from './connection-vars.js';
import { closestNames, describeValue, joinPath, type InventoryIssue } from './issues.js';

/*
 * The shape of Ansible's YAML inventory, checked one node at a time so every issue carries the
 * path to it (all.children.masters.hosts.m1.ansible_port).
 */

export const GROUP_KEYS = ['hosts', 'vars', 'children'] as const;

const mapping = (what: string) => z.record(z.string(), z.unknown(), { error: `expected ${what} as a mapping` });

/** A group: `{ hosts, vars, children }`, each optional and each allowed to be empty (null). */
export const groupNodeSchema = z
  .strictObject(
    {
      hosts: mapping('hosts (host name -> its vars)').nullish(),
      vars: mapping('vars (name -> value)').nullish(),
      children: mapping('children (group name -> group)').nullish(),
    },
    { error: 'expected a group: a mapping with hosts, vars and children' },
  )
  .nullable();

/** A host entry under `hosts:`: its vars, or empty. */
export const hostEntrySchema = z.record(z.string(), z.unknown(), { error: "expected the host's vars as a mapping" }).nullable();

/**
 * A layer of vars (group vars, host vars, a vars file). Connection variables are checked where they
 * are written, so the error points at that file and key. `{{ var }}` references are checked later,
 * once the host's vars are merged.
 */
export const varsLayerSchema = mapping('vars (name -> value)').superRefine((vars, ctx) => {
  for (const [key, value] of Object.entries(vars)) {
    const field = connectionFieldOf(key);
    if (field === undefined || value === null || value === undefined || templateReference(value) !== undefined) continue;
    const parsed = connectionFieldParsers[field](value, key);
    if (!parsed.ok) {
      // A password's text never goes into a message.
      const message = isSecretVarName(key) ? `expected a password string, got ${describeValue(typeof value === 'object' ? value : {})}` : parsed.message;
      ctx.addIssue({ code: 'custom', path: [key], message, params: { fix: parsed.fix } });
    }
  }
});

/** Letters, digits, '.', '-', '_': safe in host patterns (no ':', ',', '!', '&', '~', glob chars). */
export const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
export const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/** zod issues -> inventory issues with the file, the full path and a fix for each. */
export function toInventoryIssues(error: z.ZodError, file: string, basePath: string): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.reduce<string>((acc, key) => joinPath(acc, String(key)), basePath);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closestNames(key, GROUP_KEYS, 1)[0];
        issues.push({
          file,
          path: joinPath(path, key),
          message: `unknown key "${key}" in a group (a group takes only hosts, vars and children)`,
          fix: suggestion
            ? `did you mean ${suggestion}? Otherwise put variables under vars:, hosts under hosts: and groups under children:`
            : 'put variables under vars:, hosts under hosts: and groups under children:',
        });
      }
      continue;
    }
    const fix = issue.code === 'custom' ? (issue.params as { fix?: string } | undefined)?.fix : undefined;
    issues.push({ file, path, message: issue.message, fix: fix ?? defaultFix(path) });
  }
  return issues;
}

function defaultFix(path: string): string {
  const last = path.split('.').pop() ?? '';
  if (last === 'hosts') return 'list hosts as a mapping: hosts: { web1: { ansible_host: 192.0.2.10 }, web2: }';
  if (last === 'children') return 'list child groups as a mapping: children: { webservers: { hosts: { web1: } } }';
  if (last === 'vars') return 'write vars as a mapping: vars: { ntp_server: ntp.example.com }';
  return 'write this as a mapping of name -> value';
}
