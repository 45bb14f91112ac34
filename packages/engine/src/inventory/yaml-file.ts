import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { InventoryIssue } from './issues.js';

export interface YamlFileResult {
  /** The parsed value; undefined when the file could not be parsed (see issues). */
  value: unknown;
  issues: InventoryIssue[];
  warnings: string[];
}

/**
 * Reads one YAML file the way Ansible does: YAML 1.1, so `yes`/`no`/`on`/`off` are booleans as in an
 * existing Ansible inventory. Syntax errors carry line and column; duplicate keys are errors.
 */
export async function readYamlFile(absolutePath: string, displayPath: string): Promise<YamlFileResult> {
  const text = await readFile(absolutePath, 'utf8');
  return parseYamlText(text, displayPath);
}

export function parseYamlText(text: string, displayPath: string): YamlFileResult {
  const document = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: true });
  const issues: InventoryIssue[] = document.errors.map((error) => {
    const position = error.linePos?.[0];
    const where = position ? `${displayPath}:${position.line}:${position.col}` : displayPath;
    return {
      file: where,
      path: '',
      message: `YAML syntax error: ${firstLine(error.message)}`,
      fix: 'correct the YAML at that line (indentation, a missing ":" or closing bracket, a duplicate key)',
    };
  });
  const warnings: string[] = [];
  for (const warning of document.warnings) {
    const position = warning.linePos?.[0];
    const where = position ? `${displayPath}:${position.line}:${position.col}` : displayPath;
    if (warning.message.includes('!vault')) {
      issues.push({
        file: where,
        path: '',
        message: 'Ansible Vault values are not supported',
        fix: 'decrypt the value (ansible-vault decrypt_string) and pass secrets with -e @file or an environment variable',
      });
    } else {
      warnings.push(`${where}: ${firstLine(warning.message)}`);
    }
  }
  if (issues.length > 0) return { value: undefined, issues, warnings };
  return { value: document.toJS({ maxAliasCount: 1000 }), issues, warnings };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
