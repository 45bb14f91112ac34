import { readFile } from 'node:fs/promises';
import { parseDocument, type ScalarTag, type Tags } from 'yaml';
import { MeshbookError } from '../errors.js';
import { Secret } from '../secret.js';
import { decryptVault, isVaultText, type VaultPassword } from '../vault/vault.js';
import type { InventoryIssue } from './issues.js';
import { parseJsonObject } from './json-text.js';

export interface YamlReadOptions {
  /** Passwords for `!vault` values and whole files encrypted with ansible-vault. */
  vaultPasswords?: readonly VaultPassword[];
}

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
export async function readYamlFile(absolutePath: string, displayPath: string, options: YamlReadOptions = {}): Promise<YamlFileResult> {
  const text = await readFile(absolutePath, 'utf8');
  if (!isVaultText(text)) return parseYamlText(text, displayPath, options);
  const parsed = parseYamlText(decryptVault(text, options.vaultPasswords ?? [], displayPath), displayPath, options);
  // A whole encrypted file holds secrets: its text values are never printed.
  return { ...parsed, value: secretStrings(parsed.value) };
}

/** A file's text, decrypted when it is an ansible-vault file (throws BAD_INPUT naming it otherwise). */
export function openVaultFile(text: string, displayPath: string, options: YamlReadOptions): string {
  return isVaultText(text) ? decryptVault(text, options.vaultPasswords ?? [], displayPath) : text;
}

/** Every string inside `value` as a Secret. */
export function secretStrings(value: unknown): unknown {
  if (typeof value === 'string') return new Secret(value);
  if (Array.isArray(value)) return value.map(secretStrings);
  if (value && typeof value === 'object' && !(value instanceof Secret) && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, secretStrings(inner)]));
  }
  return value;
}

/**
 * What a `!vault` scalar resolves to while parsing. Not a Secret yet: the yaml package renders
 * objects through their toJSON, which for a Secret is the mask.
 */
class VaultedText {
  constructor(readonly plain: string) {}
}

const VAULT_ERROR = 'vault: ';

function vaultTag(options: YamlReadOptions, displayPath: string): ScalarTag {
  return {
    tag: '!vault',
    resolve(text, onError) {
      try {
        return new VaultedText(decryptVault(text, options.vaultPasswords ?? [], displayPath));
      } catch (error) {
        const message = error instanceof MeshbookError ? error.message : String(error);
        onError(`${VAULT_ERROR}${message}`);
        return '';
      }
    },
  };
}

function revealVaulted(value: unknown): unknown {
  if (value instanceof VaultedText) return new Secret(value.plain);
  if (Array.isArray(value)) return value.map(revealVaulted);
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Secret)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revealVaulted(inner)]));
  }
  return value;
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

export function parseYamlText(text: string, displayPath: string, options: YamlReadOptions = {}): YamlFileResult {
  const json = parseJsonObject(text);
  if (json) return { value: json.value, issues: [], warnings: [] };
  const customTags = (tags: Tags): Tags => [...ansibleBooleans(tags), vaultTag(options, displayPath)];
  const document = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: true, customTags });
  const issues: InventoryIssue[] = document.errors.map((error) => {
    const position = error.linePos?.[0];
    const where = position ? `${displayPath}:${position.line}:${position.col}` : displayPath;
    const vault = firstLine(error.message).indexOf(VAULT_ERROR);
    if (vault >= 0) {
      return {
        file: where,
        path: '',
        message: firstLine(error.message).slice(vault + VAULT_ERROR.length).replace(`${displayPath}: `, ''),
        fix: 'pass the vault password with --vault-password-file FILE (or --ask-vault-pass)',
      };
    }
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
    warnings.push(`${where}: ${firstLine(warning.message)}`);
  }
  if (issues.length > 0) return { value: undefined, issues, warnings };
  return { value: revealVaulted(document.toJS({ maxAliasCount: 1000 })), issues, warnings };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
