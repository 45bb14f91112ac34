import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MeshbookError, parseYaml } from '@meshbook/engine';
import type { Vars } from '@meshbook/engine';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `-e` in Ansible's three forms, merged left to right (a later value replaces an earlier one):
 * `key=value [key2=value2 ...]` (values stay strings), `@file.yaml` (YAML or JSON mapping), and an
 * inline JSON/YAML mapping `'{"a": 1}'`.
 */
export async function parseExtraVars(values: readonly string[], cwd: string): Promise<Vars> {
  const merged: Vars = {};
  for (const value of values) Object.assign(merged, await parseOne(value.trim(), cwd));
  return merged;
}

async function parseOne(value: string, cwd: string): Promise<Vars> {
  if (value.startsWith('@')) {
    const path = resolve(cwd, value.slice(1));
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new MeshbookError('BAD_INPUT', `-e ${value}: cannot read ${path}: ${(error as Error).message}`, {
        hint: 'give a path to a YAML or JSON file, relative to the current directory',
      });
    }
    return asMapping(parseStructured(text, `-e ${value}`), `-e ${value}`);
  }
  if (value.startsWith('{')) return asMapping(parseStructured(value, '-e'), '-e');
  return parseKeyValues(value);
}

function parseStructured(text: string, where: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `${where}: not valid YAML or JSON: ${(error as Error).message}`);
  }
}

function asMapping(value: unknown, where: string): Vars {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MeshbookError('BAD_INPUT', `${where}: expected a mapping of variable names to values`);
  }
  return value as Vars;
}

/** `a=1 b="two words"`: whitespace separates pairs; quotes keep spaces in a value. */
function parseKeyValues(text: string): Vars {
  const vars: Vars = {};
  for (const token of splitWords(text)) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    if (eq < 0 || !KEY.test(key)) {
      throw new MeshbookError('BAD_INPUT', `-e ${JSON.stringify(text)}: expected key=value, @file.yaml or a JSON object`, {
        hint: 'example: -e cluster_name=prod -e @vars.yaml -e \'{"replicas": 3}\'',
      });
    }
    vars[key] = token.slice(eq + 1);
  }
  return vars;
}

function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new MeshbookError('BAD_INPUT', `-e ${JSON.stringify(text)}: unterminated ${quote} quote`);
  if (inWord) words.push(current);
  return words;
}
