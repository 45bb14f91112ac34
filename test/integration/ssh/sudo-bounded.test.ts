import { describe, expect, it } from 'vitest';
import { secret, sh } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { caught } from '../support/caught.js';

/**
 * Issue 19, item 8: sudo cannot hang the run, and a password cannot feed commands to the root
 * shell. Both are bad input or a clear BECOME_FAILED within a bounded time.
 */
const fleet = useFleet({ hosts: 1 });


describe('sudo, bounded (issue 19, item 8)', () => {
  it('sudo stuck in authentication (a PAM step that never answers, as an OTP prompt would) is BECOME_FAILED within the open timeout, not a hang', async () => {
    const { name, password } = fleet().sudoUser;
    // A PAM step that waits far longer than any test: pam_exec running a sleep, ahead of sudo's own stack.
    await fleet().exec('node1', ['sh', '-c', "cp /etc/pam.d/sudo /etc/pam.d/sudo.orig && sed -i '1i auth required pam_exec.so quiet /bin/sleep 613' /etc/pam.d/sudo"]);
    const transport = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, becomePassword: secret(password), sessionOpenTimeoutMs: 3000 }));
    try {
      // The PAM step sleeps 613 s: only the open timeout ends the wait (the message below says so).
      const error = await caught(transport.run(sh`id -u`, { become: true }));
      expect(error.code).toBe('BECOME_FAILED');
      expect(error.message).toMatch(/did not start a shell within 3 s/);
      expect(error.describe()).not.toContain(password);
      // The plain user's own commands still run.
      expect((await transport.run(sh`id -un`)).stdout).toBe(`${name}\n`);
    } finally {
      await transport.close();
      await fleet().exec('node1', ['sh', '-c', 'mv /etc/pam.d/sudo.orig /etc/pam.d/sudo; pkill -f "sleep 613"; true']);
    }
  });

  it('a become password with a line break is refused: the rest never reaches the root shell', async () => {
    const { name, password } = fleet().sudoUser;
    await fleet().exec('node1', ['rm', '-f', '/tmp/pwned-sudo']);
    const transport = await connectSsh(fleetSshOptions(fleet(), 'node1', { user: name, becomePassword: secret(`${password}\ntouch /tmp/pwned-sudo`) }));
    try {
      const error = await caught(transport.run(sh`id -u`, { become: true }));
      expect(['BAD_INPUT', 'BECOME_FAILED']).toContain(error.code);
      expect(error.message).toMatch(/line break/);
      expect(error.describe()).not.toContain(password);
    } finally {
      await transport.close();
    }
    expect((await fleet().exec('node1', ['sh', '-c', 'test -e /tmp/pwned-sudo && echo present || echo absent'])).stdout).toBe('absent\n');
  });
});
