import { describe, expect, it } from 'vitest';
import { secret } from '../../secret.js';
import { SessionStartError } from './shell-session.js';
import { becomeError, becomeTarget, sudoSessionStart } from './sudo.js';

const counters = { roundTrip() {}, bytesUp() {}, bytesDown() {} };

describe('sudo sessions', () => {
  it('maps become to a target user', () => {
    expect(becomeTarget(undefined)).toBeUndefined();
    expect(becomeTarget(false)).toBeUndefined();
    expect(becomeTarget(true)).toBe('root');
    expect(becomeTarget({ user: 'postgres' })).toBe('postgres');
  });

  it('uses sudo -S behind a random prompt with a password, and never puts the password on the command line', () => {
    const start = sudoSessionStart('root', secret('hunter2-canary'), counters);
    expect(start.key).toBe('sudo:root');
    expect(start.prefix).toMatch(/^sudo -S -H -p '\[meshbook-sudo-[0-9a-f]{16}\]' -u root --$/);
    expect(start.prefix).not.toContain('hunter2');
    expect(start.prompt?.text).toMatch(/^\[meshbook-sudo-[0-9a-f]{16}\]$/);
    expect(sudoSessionStart('root', secret('x1234'), counters).prompt?.text).not.toBe(start.prompt?.text);
  });

  it('uses sudo -n without a password, so a needed password fails at once', () => {
    expect(sudoSessionStart('www-data', undefined, counters)).toMatchObject({ key: 'sudo:www-data', prefix: 'sudo -n -H -u www-data --' });
  });

  it('tells the failures apart', () => {
    const cases: Array<[SessionStartError, RegExp]> = [
      [new SessionStartError('password-rejected', 'Sorry, try again.\n', undefined), /incorrect password/],
      [new SessionStartError('exited', 'sudo: a password is required\n', 1), /needs a password and none was given/],
      [new SessionStartError('password-required', '', undefined), /needs a password and none was given/],
      [new SessionStartError('exited', 'sh: 1: sudo: not found\n', 127), /sudo is not installed/],
      [new SessionStartError('exited', 'deploy is not in the sudoers file.\n', 1), /may not sudo/],
      [new SessionStartError('exited', 'sudo: unknown user nobody2\n', 1), /unknown user/],
    ];
    for (const [error, message] of cases) {
      const mapped = becomeError('node1', 'root', error);
      expect(mapped.code).toBe('BECOME_FAILED');
      expect(mapped.message).toMatch(message);
      expect(mapped.host).toBe('node1');
    }
  });
});
