import { readFile } from 'node:fs/promises';
import { parseDocument, type ScalarTag, type Tags } from 'yaml';
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

/**
 * PyYAML's YAML 1.1 booleans (what Ansible sees): the yaml package's 1.1 schema also reads `y`/`n`
 * as booleans, which would turn a var named `y` into `true`.
 */
const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function ansibleBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== 'tag:yaml.org,2002:bool' || 'collection' in tag) return tag;
    const scalar: ScalarTag = tag;
    return { ...scalar, test: scalar.test?.test('true') ? PYYAML_TRUE : PYYAML_FALSE };
  });
}

export function parseYamlText(text: string, displayPath: string): YamlFileResult {
  const document = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: true, customTags: ansibleBooleans });
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
