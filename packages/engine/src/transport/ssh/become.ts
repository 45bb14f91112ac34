import { randomBytes } from 'node:crypto';
import { argv, quote } from '../../command.js';
import { MeshbookError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import type { Become, BecomeMethod } from '../types.js';
import { DEFAULT_SESSION_OPEN_TIMEOUT_MS, SessionStartError, type SessionCounters, type SessionStart } from './shell-session.js';

/** The user a `become` asks for, or undefined for the login user's own shell. */
export function becomeTarget(become: Become | undefined): string | undefined {
  if (!become) return undefined;
  return become === true ? 'root' : (become.user ?? 'root');
}

/** The method a play or task asked for, if it named one (otherwise the host's). */
export function becomeMethodOf(become: Become | undefined): BecomeMethod | undefined {
  return typeof become === 'object' ? become.method : undefined;
}

/** Pool key of a become session, and back. */
export function becomeKey(method: BecomeMethod, user: string): string {
  return `${method}:${user}`;
}

export function parseBecomeKey(key: string): { method: BecomeMethod; user: string } {
  const at = key.indexOf(':');
  return { method: key.slice(0, at) as BecomeMethod, user: key.slice(at + 1) };
}

/** A user name each of sudo, su and doas reads as a name, never as an option or two words. */
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** su's prompt, in the C locale it is run with. */
const SU_PROMPT = 'Password: ';
/** OpenDoas asks `doas (login@host) password: ` on the terminal. */
const DOAS_PROMPT = /doas \([^)\n]*\) password: /;

/**
 * How to start a kept shell as `user` through `method`, the password (if any) going in on stdin
 * once, after the tool's own prompt: never on a command line. Without a password each tool is told
 * not to ask (sudo -n, doas -n) or fails at its first prompt (su), at once rather than waiting.
 */
export function becomeSessionStart(
  method: BecomeMethod,
  user: string,
  password: Secret | undefined,
  counters: SessionCounters,
  openTimeoutMs?: number,
): SessionStart {
  if (!USER_NAME.test(user)) {
    throw new MeshbookError('BAD_INPUT', `become_user ${JSON.stringify(user)} is not a user name`, { hint: 'write a plain user name such as root or postgres in become_user (ansible_become_user)' });
  }
  // Each tool reads one line: whatever follows a line break would reach the new shell as commands.
  if (password && /[\r\n]/.test(password.reveal())) {
    throw new MeshbookError('BAD_INPUT', `the become password for ${method} to ${user} holds a line break`, {
      hint: `${method} reads the password up to the first line break, and the rest would run as commands in the new shell: fix become_password`,
    });
  }
  const base = { key: becomeKey(method, user), counters, ...(openTimeoutMs === undefined ? {} : { openTimeoutMs }) };
  if (method === 'su') return { ...base, prefix: '', wrap: (shell) => suCommand(user, shell), prompt: { text: SU_PROMPT, answer: password } };
  if (method === 'doas') {
    if (!password) return { ...base, prefix: argv('doas', '-n', '-u', user).text };
    return { ...base, prefix: '', wrap: (shell) => doasWithPasswordCommand(user, shell), prompt: { text: DOAS_PROMPT, answer: password } };
  }
  if (!password) return { ...base, prefix: argv('sudo', '-n', '-H', '-u', user, '--').text };
  // A random prompt, so it is recognisable; sudo reads it byte by byte and never gets a second try.
  const prompt = `[meshbook-sudo-${randomBytes(8).toString('hex')}]`;
  return { ...base, prefix: argv('sudo', '-S', '-H', '-p', prompt, '-u', user, '--').text, prompt: { text: prompt, answer: password } };
}

/**
 * `su -l` runs its `-c` text with the shell given and the target's login environment (PATH with
 * the sbin directories, as sudo's secure_path gives; without -l su keeps the login user's PATH).
 * Its prompt is read in the C locale so it can be recognised. su gives one try: a wrong password ends it.
 */
function suCommand(user: string, shell: string): string {
  return `LC_ALL=C su -l -s /bin/sh -c ${quote(`exec ${shell}`)} ${quote(user)}`;
}

/**
 * OpenDoas reads a password only from a terminal. A rule with `nopass` needs none (tried first,
 * with -n); otherwise `script` gives doas a terminal for its prompt alone: the kept shell's stdin,
 * stdout and stderr stay the channel's own pipes (fds 3-5), and what goes to the terminal is one
 * line, the password, read from stdin after the prompt showed (the terminal drops anything typed
 * ahead of it). The terminal's output goes to stderr, where the prompt is watched for.
 */
function doasWithPasswordCommand(user: string, shell: string): string {
  const doas = argv('doas', '-u', user).text;
  const inTerminal = `${doas} ${shell} <&3 >&4 2>&5 3<&- 4>&- 5>&-`;
  const script = [
    `if ${argv('doas', '-n', '-u', user, 'true').text} 2>/dev/null; then exec ${argv('doas', '-n', '-u', user).text} ${shell}; fi`,
    `command -v script >/dev/null 2>&1 || { echo 'meshbook: doas asks for a password, and answering it needs script (util-linux) on the host' >&2; exit 97; }`,
    'exec 3<&0 4>&1 5>&2',
    `{ IFS= read -r p; printf '%s\\n' "$p"; } | SHELL=/bin/sh script -qec ${quote(inTerminal)} /dev/null >&2`,
  ].join('\n');
  return `/bin/sh -c ${quote(script)}`;
}

/** Turns a failed become start into the BECOME_FAILED the user can act on. */
export function becomeError(host: string, method: BecomeMethod, user: string, error: unknown, openTimeoutMs = DEFAULT_SESSION_OPEN_TIMEOUT_MS): MeshbookError {
  if (error instanceof MeshbookError) {
    if (error.host) return error;
    return new MeshbookError(error.code, error.message, { host, hint: error.hint, cause: error });
  }
  if (!(error instanceof SessionStartError)) {
    return new MeshbookError('BECOME_FAILED', `become ${user} failed: ${(error as Error).message}`, { host, cause: error });
  }
  const stderr = error.stderr.replace(/\r/g, '').trim();
  const details = { host, stderr, exitCode: error.exitCode, cause: error };
  const hand = method === 'su' ? `su ${user} -c true` : `${method} -u ${user} true`;
  if (error.reason === 'timeout') {
    return new MeshbookError('BECOME_FAILED', `${method} to ${user} did not start a shell within ${Math.round(openTimeoutMs / 1000)} s`, {
      ...details,
      hint: `${method} waits for something meshbook cannot answer (an OTP or other PAM prompt, an expired password, a changed prompt): try \`${hand}\` by hand on the host`,
    });
  }
  if (error.reason === 'password-rejected' || /incorrect password|Sorry, try again|Authentication failure|Authentication failed/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `${method} to ${user}: incorrect password`, {
      ...details,
      hint: `check become_password for this host${method === 'su' ? ` (su asks for ${user}'s own password)` : ''}; ${method} was given exactly one attempt`,
    });
  }
  if (error.reason === 'password-required' || /a password is required|no password was provided|a terminal is required|Authorization required|Authentication required/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `${method} to ${user} needs a password and none was given`, {
      ...details,
      hint: `set become_password (ansible_become_password) for this host${method === 'sudo' ? ', or allow NOPASSWD in sudoers' : method === 'doas' ? ', or add nopass to the rule in /etc/doas.conf' : ''}`,
    });
  }
  if (error.exitCode === 97 && /needs script/.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `doas to ${user} asks for a password, and the host has no script to answer it`, { ...details, hint: 'install util-linux (script), or add nopass to the rule in /etc/doas.conf' });
  }
  if (error.exitCode === 127 || new RegExp(`${method}: (command )?not found|${method}: No such file`, 'i').test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `${method} is not installed on the host`, { ...details, hint: `install ${method === 'doas' ? 'doas (Debian: opendoas)' : method}, or pick another become_method` });
  }
  if (/not in the sudoers|not allowed to (execute|run)|Operation not permitted/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `the login user may not ${method} to ${user}`, {
      ...details,
      hint: method === 'doas' ? 'permit the login user in /etc/doas.conf' : method === 'su' ? 'check /etc/pam.d/su (pam_wheel) and the target user' : 'grant the login user sudo rights in /etc/sudoers.d',
    });
  }
  if (/unknown user|does not exist|user .* not found/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `${method}: unknown user ${user}`, details);
  }
  return new MeshbookError('BECOME_FAILED', `${method} to ${user} failed${stderr ? `: ${stderr}` : ''}`, details);
}
