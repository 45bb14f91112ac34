import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Secret, type Vars } from '@meshbook/engine';
import type { CliIo } from './io.js';
import { promptHidden } from './vault-options.js';

export interface ConnectionCommandOptions {
  user?: string;
  privateKey?: string;
  become?: boolean;
  askBecomePass?: boolean;
  becomeMethod?: string;
}

/** ansible-playbook's connection options; `-b` is added by the command (exec has its own). */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('-u, --user <name>', 'log in as this user where the inventory sets no ansible_user')
    .option('--private-key <file>', 'ssh key where the inventory sets no ansible_ssh_private_key_file')
    .option('-K, --ask-become-pass', 'ask for the become (sudo/su/doas) password on the terminal')
    .option('--become-method <method>', 'sudo (default), su or doas, where the inventory sets no ansible_become_method');
}

/**
 * The options as the lowest layer of every host's vars: the inventory's own settings win, as they
 * win over ansible-playbook's command line.
 */
export async function connectionDefaults(options: ConnectionCommandOptions, io: CliIo): Promise<Vars> {
  const vars: Vars = {};
  if (options.user !== undefined) vars['ansible_user'] = options.user;
  if (options.privateKey !== undefined) vars['ansible_ssh_private_key_file'] = resolve(io.cwd, options.privateKey);
  if (options.become) vars['ansible_become'] = true;
  // Checked with the inventory's own values: a bad one is BAD_INPUT naming the option's variable.
  if (options.becomeMethod !== undefined) vars['ansible_become_method'] = options.becomeMethod;
  if (options.askBecomePass) vars['ansible_become_password'] = new Secret(await promptHidden('BECOME password: ', io));
  return vars;
}
