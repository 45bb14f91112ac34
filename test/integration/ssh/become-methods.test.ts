import { beforeAll, describe, expect, it } from 'vitest';
import { secret, sh, type BecomeMethod } from '@meshbook/engine';
import { connectSsh } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';
import { caught } from '../support/caught.js';

/**
 * become through su (root's own password) and doas (OpenDoas, installed from Debian's mirror: the
 * host image has sudo only), logged in as the fleet's non-root user. The password goes in on stdin
 * after the tool's prompt and never shows on a command line or in an error.
 */
const fleet = useFleet({ hosts: 1 });
const H = 'node1';
const ROOT_PASSWORD = 'root-pw-7Hq2-canary';


const onHost = async (script: string) => (await fleet().exec(H, ['sh', '-c', script])).stdout;

function connectAsDeploy(method: BecomeMethod, password: string | undefined, sessionOpenTimeoutMs?: number) {
  return connectSsh(
    fleetSshOptions(fleet(), H, {
      user: fleet().sudoUser.name,
      becomeMethod: method,
      ...(password === undefined ? {} : { becomePassword: secret(password) }),
      ...(sessionOpenTimeoutMs === undefined ? {} : { sessionOpenTimeoutMs }),
    }),
  );
}

/** Every process's command line on the host, read from outside SSH while the become shell is up. */
const commandLines = () => onHost("for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\"; echo; done 2>/dev/null");

beforeAll(async () => {
  await fleet().exec(H, ['sh', '-c', `echo 'root:${ROOT_PASSWORD}' | chpasswd`]);
  const install = await fleet().exec(H, ['sh', '-c', 'command -v doas >/dev/null || { apt-get update -qq -o Acquire::Languages=none && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opendoas >/dev/null; } && command -v doas']);
  if (install.exitCode !== 0) throw new Error(`installing opendoas on the test host failed: ${install.stderr}`);
});

describe('become with su', () => {
  it("becomes root with root's password: commands, stdout and stderr apart, files written as root; the password is on no command line", async () => {
    const transport = await connectAsDeploy('su', ROOT_PASSWORD);
    try {
      const result = await transport.run(sh`id -un; echo to-stderr >&2; exit 3`, { become: true });
      expect(result).toMatchObject({ stdout: 'root\n', stderr: 'to-stderr\n', exitCode: 3 });
      // root's PATH, as sudo's secure_path gives it: the sbin tools are found.
      expect((await transport.run(sh`command -v sysctl`, { become: true })).stdout).toBe('/usr/sbin/sysctl\n');
      expect(await commandLines()).not.toContain(ROOT_PASSWORD);
      await transport.put('/root/written-by-su', 'via su\n', { become: true, mode: 0o600 });
      expect(await onHost('stat -c "%U %a" /root/written-by-su; cat /root/written-by-su')).toBe('root 600\nvia su\n');
      // The login user's own shell is untouched.
      expect((await transport.run(sh`id -un`)).stdout).toBe('deploy\n');
    } finally {
      await transport.close();
    }
  });

  it('a wrong password is BECOME_FAILED (incorrect password) within the open timeout, the password in no message', async () => {
    const transport = await connectAsDeploy('su', 'wrong-pw-canary', 8000);
    try {
      const error = await caught(transport.run(sh`id -u`, { become: true }));
      expect(error.code).toBe('BECOME_FAILED');
      expect(error.message).toBe('su to root: incorrect password');
      expect(error.describe()).not.toContain('wrong-pw-canary');
    } finally {
      await transport.close();
    }
  });

  it('no password at all fails at the first prompt, at once', async () => {
    const transport = await connectAsDeploy('su', undefined);
    try {
      const error = await caught(transport.run(sh`id -u`, { become: true }));
      expect(error.message).toBe('su to root needs a password and none was given');
    } finally {
      await transport.close();
    }
  });

  it('a task can pick su while the host becomes with sudo', async () => {
    const transport = await connectAsDeploy('sudo', ROOT_PASSWORD);
    try {
      // sudo gets root's password (wrong for deploy's sudo): only the su session can succeed.
      expect((await transport.run(sh`id -u`, { become: { method: 'su' } })).stdout).toBe('0\n');
      expect((await caught(transport.run(sh`id -u`, { become: true }))).message).toBe('sudo to root: incorrect password');
    } finally {
      await transport.close();
    }
  });
});

describe('become with doas', () => {
  it("a password rule: doas asks on a terminal of its own; the shell's stdin, stdout and stderr stay apart", async () => {
    await fleet().exec(H, ['sh', '-c', `printf 'permit ${fleet().sudoUser.name} as root\\n' > /etc/doas.conf && chmod 0400 /etc/doas.conf`]);
    const transport = await connectAsDeploy('doas', fleet().sudoUser.password);
    try {
      const result = await transport.run(sh`id -un; cat; echo to-stderr >&2`, { become: true, stdin: 'from stdin\n' });
      expect(result).toMatchObject({ stdout: 'root\nfrom stdin\n', stderr: 'to-stderr\n', exitCode: 0 });
      // doas's own safe PATH (sbin first, /sbin before /usr/sbin): the sbin tools are found.
      expect((await transport.run(sh`command -v sysctl`, { become: true })).stdout).toMatch(/^(\/usr)?\/sbin\/sysctl\n$/);
      expect(await commandLines()).not.toContain(fleet().sudoUser.password);
      const [a, b] = await transport.runBatch([sh`echo one`, sh`echo two >&2; false`], { become: true });
      expect([a, b]).toMatchObject([{ stdout: 'one\n', exitCode: 0 }, { stderr: 'two\n', exitCode: 1 }]);
      await transport.put('/root/written-by-doas', 'via doas\n', { become: true });
      expect(await onHost('stat -c %U /root/written-by-doas')).toBe('root\n');
    } finally {
      await transport.close();
    }
  });

  it('a wrong password is BECOME_FAILED (incorrect password) within the open timeout, the password in no message', async () => {
    await fleet().exec(H, ['sh', '-c', `printf 'permit ${fleet().sudoUser.name} as root\\n' > /etc/doas.conf`]);
    const transport = await connectAsDeploy('doas', 'wrong-doas-canary', 8000);
    try {
      const error = await caught(transport.run(sh`id -u`, { become: true }));
      expect(error.code).toBe('BECOME_FAILED');
      expect(error.message).toBe('doas to root: incorrect password');
      expect(error.describe()).not.toContain('wrong-doas-canary');
    } finally {
      await transport.close();
    }
  });

  it('a nopass rule needs no password, with or without one given; a password rule without one fails at once', async () => {
    await fleet().exec(H, ['sh', '-c', `printf 'permit nopass ${fleet().sudoUser.name} as root\\n' > /etc/doas.conf`]);
    for (const password of [undefined, 'not-needed']) {
      const transport = await connectAsDeploy('doas', password);
      try {
        expect((await transport.run(sh`id -u`, { become: true })).stdout).toBe('0\n');
      } finally {
        await transport.close();
      }
    }
    await fleet().exec(H, ['sh', '-c', `printf 'permit ${fleet().sudoUser.name} as root\\n' > /etc/doas.conf`]);
    const transport = await connectAsDeploy('doas', undefined);
    try {
      const error = await caught(transport.run(sh`id -u`, { become: true }));
      expect(error.message).toBe('doas to root needs a password and none was given');
    } finally {
      await transport.close();
    }
  });

  it('a timed-out command run through doas or su is killed with everything it started', async () => {
    await fleet().exec(H, ['sh', '-c', `printf 'permit ${fleet().sudoUser.name} as root\\n' > /etc/doas.conf`]);
    for (const [method, password] of [['doas', fleet().sudoUser.password], ['su', ROOT_PASSWORD]] as const) {
      const transport = await connectAsDeploy(method, password);
      try {
        const error = await caught(transport.run(sh`sleep 613 & sleep 614`, { become: true, timeoutMs: 1500 }));
        expect(error.code).toBe('TIMEOUT');
        // The next command gets a fresh root shell.
        expect((await transport.run(sh`id -u`, { become: true })).stdout).toBe('0\n');
      } finally {
        await transport.close();
      }
      expect(await onHost('pgrep -f "sleep 61[34]" || echo none')).toBe('none\n');
    }
  });

  it('a user no rule permits is told so', async () => {
    await fleet().exec(H, ['sh', '-c', `printf 'permit nopass ${fleet().sudoUser.name} as root\\n' > /etc/doas.conf`]);
    const transport = await connectAsDeploy('doas', undefined);
    try {
      const error = await caught(transport.run(sh`id -u`, { become: { user: 'nobody' } }));
      expect(error.code).toBe('BECOME_FAILED');
      expect(error.message).toBe('the login user may not doas to nobody');
    } finally {
      await transport.close();
    }
  });
});
