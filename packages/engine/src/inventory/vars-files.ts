import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Vars } from './types.js';
import { wrapSecretVars } from './connection-vars.js';
import type { InventoryIssue } from './issues.js';
import { toInventoryIssues, varsLayerSchema } from './schema.js';
import { isPlainObject } from './tree.js';
import { readYamlFile, type YamlReadOptions } from './yaml-file.js';

const VARS_FILE = /\.(ya?ml|json)$/;

export interface VarsFiles {
  /** Group or host name -> its vars, files merged in load order (later wins). */
  vars: Map<string, Vars>;
  /** Group or host name -> the files its vars came from, as displayed. */
  files: Map<string, string[]>;
  issues: InventoryIssue[];
  warnings: string[];
}

/**
 * Reads `group_vars/` or `host_vars/` next to the inventory: `<name>.yaml|.yml|.json`, then Ansible's
 * directory form `<name>/*.yaml` (recursively, sorted by path, later files win). Other files are
 * ignored, so a README can live there.
 */
export async function readVarsFiles(
  directory: string,
  display: (absolutePath: string) => string,
  options: YamlReadOptions = {},
): Promise<VarsFiles> {
  const result: VarsFiles = { vars: new Map(), files: new Map(), issues: [], warnings: [] };
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  const sorted = [...entries].sort((a, b) => a.name.localeCompare(b.name));
  // Files named after the group first, then its directory: a directory is the finer-grained split.
  for (const entry of sorted) {
    if (entry.isFile() && VARS_FILE.test(entry.name)) {
      await loadInto(result, entry.name.replace(VARS_FILE, ''), join(directory, entry.name), display, options);
    }
  }
  for (const entry of sorted) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const file of await listVarsFiles(join(directory, entry.name))) await loadInto(result, entry.name, file, display, options);
  }
  return result;
}

async function listVarsFiles(directory: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(directory, { withFileTypes: true });
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) out.push(...(await listVarsFiles(path)));
    else if (VARS_FILE.test(entry.name) && (await stat(path)).isFile()) out.push(path);
  }
  return out;
}

async function loadInto(
  result: VarsFiles,
  name: string,
  file: string,
  display: (absolutePath: string) => string,
  options: YamlReadOptions,
): Promise<void> {
  const shown = display(file);
  const parsed = await readYamlFile(file, shown, options);
  result.issues.push(...parsed.issues);
  result.warnings.push(...parsed.warnings);
  if (parsed.issues.length > 0 || parsed.value === null || parsed.value === undefined) {
    result.files.set(name, [...(result.files.get(name) ?? []), shown]);
    return;
  }
  if (!isPlainObject(parsed.value)) {
    result.issues.push({
      file: shown,
      path: '',
      message: 'expected a mapping of variable name -> value',
      fix: 'write one variable per line: ntp_server: ntp.example.com',
    });
    return;
  }
  const checked = varsLayerSchema.safeParse(parsed.value);
  if (!checked.success) result.issues.push(...toInventoryIssues(checked.error, shown, ''));
  result.vars.set(name, { ...(result.vars.get(name) ?? {}), ...wrapSecretVars(parsed.value) });
  result.files.set(name, [...(result.files.get(name) ?? []), shown]);
}
