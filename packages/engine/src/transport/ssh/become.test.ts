import { describe, expect, it } from 'vitest';
import { secret } from '../../secret.js';
import { SessionStartError } from './shell-session.js';
import { becomeError, becomeKey, becomeMethodOf, becomeSessionStart, becomeTarget, parseBecomeKey } from './become.js';

const counters = { roundTrip() {}, bytesUp() {}, bytesDown() {}, strayOutput() {} };

describe('become sessions', () => {
  it('maps become to a target user and method', () => {
    expect(becomeTarget(undefined)).toBeUndefined();
    expect(becomeTarget(false)).toBeUndefined();
    expect(becomeTarget(true)).toBe('root');
    expect(becomeTarget({ user: 'postgres' })).toBe('postgres');
    expect(becomeTarget({ method: 'su' })).toBe('root');
    expect(becomeMethodOf({ method: 'doas' })).toBe('doas');
    expect(becomeMethodOf(true)).toBeUndefined();
    expect(parseBecomeKey(becomeKey('su', 'postgres'))).toEqual({ method: 'su', user: 'postgres' });
  });

  it('uses sudo -S behind a random prompt with a password, and never puts the password on the command line', () => {
    const start = becomeSessionStart('sudo', 'root', secret('hunter2-canary'), counters);
    expect(start.key).toBe('sudo:root');
    expect(start.prefix).toMatch(/^sudo -S -H -p '\[meshbook-sudo-[0-9a-f]{16}\]' -u root --$/);
    expect(start.prefix).not.toContain('hunter2');
    expect(start.prompt?.text).toMatch(/^\[meshbook-sudo-[0-9a-f]{16}\]$/);
    expect(becomeSessionStart('sudo', 'root', secret('x1234'), counters).prompt?.text).not.toBe(start.prompt?.text);
  });

  it('uses sudo -n and doas -n without a password, so a needed password fails at once', () => {
    expect(becomeSessionStart('sudo', 'www-data', undefined, counters)).toMatchObject({ key: 'sudo:www-data', prefix: 'sudo -n -H -u www-data --' });
    expect(becomeSessionStart('doas', 'root', undefined, counters)).toMatchObject({ key: 'doas:root', prefix: 'doas -n -u root' });
  });

  it('su and doas wrap the shell command and answer their own prompt; the password is never in the command', () => {
    const su = becomeSessionStart('su', 'root', secret('hunter2-canary'), counters);
    const suCommand = su.wrap!("/bin/sh -c 'exec /bin/sh'");
    expect(suCommand).toBe(`LC_ALL=C su -l -s /bin/sh -c 'exec /bin/sh -c '\\''exec /bin/sh'\\''' root`);
    expect(su.prompt?.text).toBe('Password: ');
    const doas = becomeSessionStart('doas', 'root', secret('hunter2-canary'), counters);
    const doasCommand = doas.wrap!('/bin/sh -c true');
    expect(doasCommand).toContain('doas -n -u root true');
    expect(doasCommand).toContain('script -qec');
    for (const command of [suCommand, doasCommand]) expect(command).not.toContain('hunter2');
    expect('\rdoas (deploy@node1) password: ').toMatch(doas.prompt!.text);
  });

  it('refuses a password with a line break, and a user name that is not one, for every method', () => {
    for (const method of ['sudo', 'su', 'doas'] as const) {
      expect(() => becomeSessionStart(method, 'root', secret('pw\ntouch /tmp/x'), counters)).toThrow(/line break/);
      expect(() => becomeSessionStart(method, '-c id', undefined, counters)).toThrow(/become_user "-c id" is not a user name/);
    }
  });

  it('tells the failures apart', () => {
    const cases: Array<['sudo' | 'su' | 'doas', SessionStartError, RegExp]> = [
      ['sudo', new SessionStartError('password-rejected', 'Sorry, try again.\n', undefined), /sudo to root: incorrect password/],
      ['sudo', new SessionStartError('exited', 'sudo: a password is required\n', 1), /needs a password and none was given/],
      ['sudo', new SessionStartError('password-required', '', undefined), /needs a password and none was given/],
      ['sudo', new SessionStartError('exited', 'sh: 1: sudo: not found\n', 127), /sudo is not installed/],
      ['sudo', new SessionStartError('exited', 'deploy is not in the sudoers file.\n', 1), /may not sudo/],
      ['sudo', new SessionStartError('exited', 'sudo: unknown user nobody2\n', 1), /unknown user/],
      ['su', new SessionStartError('exited', 'su: Authentication failure\n', 1), /su to root: incorrect password/],
      ['su', new SessionStartError('password-required', '', undefined), /su to root needs a password/],
      ['doas', new SessionStartError('exited', '\rdoas: Authentication failed\r\n', 1), /doas to root: incorrect password/],
      ['doas', new SessionStartError('exited', 'doas: Authentication required\n', 1), /doas to root needs a password/],
      ['doas', new SessionStartError('exited', 'doas: Operation not permitted\n', 1), /may not doas/],
      ['doas', new SessionStartError('exited', 'sh: 1: doas: not found\n', 127), /doas is not installed/],
      ['doas', new SessionStartError('timeout', '', undefined), /doas to root did not start a shell within 20 s/],
    ];
    for (const [method, error, message] of cases) {
      const mapped = becomeError('node1', method, 'root', error);
      expect(mapped.code).toBe('BECOME_FAILED');
      expect(mapped.message).toMatch(message);
      expect(mapped.host).toBe('node1');
    }
  });
});
