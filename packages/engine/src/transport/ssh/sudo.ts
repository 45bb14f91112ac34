import { randomBytes } from 'node:crypto';
import { argv } from '../../command.js';
import { MeshbookError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import type { Become } from '../types.js';
import { DEFAULT_SESSION_OPEN_TIMEOUT_MS, SessionStartError, type SessionCounters, type SessionStart } from './shell-session.js';

/** The user a `become` asks for, or undefined for the login user's own shell. */
export function becomeTarget(become: Become | undefined): string | undefined {
  if (!become) return undefined;
  return become === true ? 'root' : become.user;
}

/**
 * How to start a kept shell as `user`. With a password: `sudo -S` behind a random prompt, so the
 * prompt is recognisable and the password goes in on stdin once (sudo reads it byte by byte, and
 * is never given a second try). NOPASSWD and cached credentials simply print no prompt. Without a
 * password: `sudo -n`, which fails at once instead of waiting for a password that will not come.
 */
export function sudoSessionStart(user: string, password: Secret | undefined, counters: SessionCounters, openTimeoutMs?: number): SessionStart {
  const key = `sudo:${user}`;
  const timeout = openTimeoutMs === undefined ? {} : { openTimeoutMs };
  if (!password) {
    return { key, prefix: argv('sudo', '-n', '-H', '-u', user, '--').text, counters, ...timeout };
  }
  // sudo reads one line: whatever follows a line break would reach the new root shell as commands.
  if (/[\r\n]/.test(password.reveal())) {
    throw new MeshbookError('BAD_INPUT', `the become password for sudo to ${user} holds a line break`, {
      hint: 'sudo reads the password up to the first line break, and the rest would run as commands in the root shell: fix become_password',
    });
  }
  const prompt = `[meshbook-sudo-${randomBytes(8).toString('hex')}]`;
  return {
    key,
    prefix: argv('sudo', '-S', '-H', '-p', prompt, '-u', user, '--').text,
    prompt: { text: prompt, answer: password },
    counters,
    ...timeout,
  };
}

/** Turns a failed sudo start into the BECOME_FAILED the user can act on. */
export function becomeError(host: string, user: string, error: unknown, openTimeoutMs = DEFAULT_SESSION_OPEN_TIMEOUT_MS): MeshbookError {
  if (error instanceof MeshbookError) {
    if (error.host) return error;
    return new MeshbookError(error.code, error.message, { host, hint: error.hint, cause: error });
  }
  if (!(error instanceof SessionStartError)) {
    return new MeshbookError('BECOME_FAILED', `become ${user} failed: ${(error as Error).message}`, { host, cause: error });
  }
  const stderr = error.stderr.trim();
  const details = { host, stderr, exitCode: error.exitCode, cause: error };
  if (error.reason === 'timeout') {
    return new MeshbookError('BECOME_FAILED', `sudo to ${user} did not start a shell within ${Math.round(openTimeoutMs / 1000)} s`, {
      ...details,
      hint: `sudo waits for something meshbook cannot answer (an OTP or other PAM prompt, an expired password, a prompt set by passprompt): try \`sudo -u ${user} true\` by hand on the host`,
    });
  }
  if (error.reason === 'password-rejected' || /incorrect password|Sorry, try again/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `sudo to ${user}: incorrect password`, { ...details, hint: 'check become_password for this host; sudo was given exactly one attempt' });
  }
  if (error.reason === 'password-required' || /a password is required|no password was provided|a terminal is required/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `sudo to ${user} needs a password and none was given`, { ...details, hint: 'set become_password (ansible_become_password) for this host, or allow NOPASSWD in sudoers' });
  }
  if (error.exitCode === 127 || /sudo: (command )?not found|sudo: No such file/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `sudo is not installed on the host`, { ...details, hint: 'install sudo, or connect as the target user' });
  }
  if (/not in the sudoers|not allowed to (execute|run)/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `the login user may not sudo to ${user}`, { ...details, hint: 'grant the login user sudo rights in /etc/sudoers.d' });
  }
  if (/unknown user/i.test(stderr)) {
    return new MeshbookError('BECOME_FAILED', `sudo: unknown user ${user}`, details);
  }
  return new MeshbookError('BECOME_FAILED', `sudo to ${user} failed${stderr ? `: ${stderr}` : ''}`, details);
}
