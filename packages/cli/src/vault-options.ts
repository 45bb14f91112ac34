import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { MeshbookError, readVaultPasswordFile, type VaultPassword } from '@meshbook/engine';
import type { CliIo } from './io.js';
import { collect } from './option-parsers.js';

export interface VaultCommandOptions {
  vaultPasswordFile?: string[];
  vaultId?: string[];
  askVaultPass?: boolean;
}

/** ansible-playbook's vault options, for the commands that load an inventory. */
export function addVaultOptions(command: Command): Command {
  return command
    .option('--vault-password-file <file>', 'ansible-vault password file (repeatable)', collect)
    .option('--vault-id <id@file>', 'ansible-vault password file for a vault id, e.g. prod@~/.vault-prod (repeatable)', collect)
    .addOption(new Option('-J, --ask-vault-pass', 'ask for the ansible-vault password on the terminal'));
}

/** The passwords the options name, read now; --ask-vault-pass prompts on the terminal without echo. */
export async function vaultPasswords(options: VaultCommandOptions, io: CliIo): Promise<VaultPassword[]> {
  const passwords: VaultPassword[] = [];
  for (const file of options.vaultPasswordFile ?? []) passwords.push(await readVaultPasswordFile(resolve(io.cwd, file)));
  for (const spec of options.vaultId ?? []) {
    const at = spec.indexOf('@');
    if (at <= 0) {
      throw new MeshbookError('BAD_INPUT', `--vault-id ${spec} must be ID@FILE`, { hint: 'e.g. --vault-id prod@secrets/prod-password' });
    }
    passwords.push(await readVaultPasswordFile(`${spec.slice(0, at)}@${resolve(io.cwd, spec.slice(at + 1))}`));
  }
  if (options.askVaultPass) passwords.push({ id: 'default', password: await promptHidden('Vault password: ', io), source: '--ask-vault-pass' });
  return passwords;
}

/** One line from the terminal, not echoed. */
export async function promptHidden(question: string, io: CliIo): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new MeshbookError('BAD_INPUT', `${question.replace(/: $/, '')}: a prompt needs a terminal`, { hint: 'give the password in a file (--vault-password-file) or an inventory variable instead' });
  }
  io.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((done, fail) => {
      let typed = '';
      const onData = (chunk: Buffer): void => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            stdin.off('data', onData);
            done(typed);
            return;
          }
          if (char === '\u0003') {
            stdin.off('data', onData);
            fail(new MeshbookError('BAD_INPUT', 'password prompt interrupted', { hint: 'run again and type the password' }));
            return;
          }
          typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    io.stderr.write('\n');
  }
}
