import { describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { expectExit, onHost, processesMatching, resultsOf, runPlaybook, sleep, startPlaybook, useWorkDir, writeInventory, type LiveRun } from './harness.js';

/**
 * Issue 8, cases 5 and 8, and "secrets never on a remote command line": a wrong sudo password is
 * tried once and reported; the sudo password is on no process's command line and in no log while
 * a become run is under way; a held dpkg lock is waited for, then reported with its holder.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const HOSTS = ['node1', 'node2'];

async function sudoFailures(host: string): Promise<number> {
  const out = await onHost(fleet(), host, `journalctl -q --no-pager _COMM=sudo 2>/dev/null | grep -c 'incorrect password attempt' || true`);
  return Number(out.trim());
}

describe('become', () => {
  it('5. a wrong sudo password: one attempt per host, a clear error, no retry, the password shown nowhere', async () => {
    const wrong = 'Wrong-Sudo-Canary-4d2f';
    const before = await Promise.all(HOSTS.map(sudoFailures));
    // One attempt, no retry: proven by sudo's own journal count below, not by a clock.
    const run = await runPlaybook('steps.ts', await writeInventory(fleet(), workDir(), { sudoUser: { becomePassword: wrong } }), ['-e', 'tag=wrongsudo', '-vvv']);
    expectExit(run, 2);
    for (const host of HOSTS) {
      const result = resultsOf(run, 'step 1')[host]!;
      expect(result.error).toMatchObject({ code: 'BECOME_FAILED', message: 'sudo to root: incorrect password' });
      expect(result.error?.hint).toMatch(/exactly one attempt/);
      expect(resultsOf(run, 'step 2')[host]).toBeUndefined();
    }
    // sudo's log: exactly one more failed attempt per host.
    let after: number[] = [];
    for (let i = 0; i < 20; i++) {
      after = await Promise.all(HOSTS.map(sudoFailures));
      if (after.every((n, i) => n === before[i]! + 1)) break;
      await sleep(100);
    }
    expect(after).toEqual(before.map((n) => n + 1));
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it('the sudo password is on no remote command line and in no host log while a become run is in flight', async () => {
    const password = fleet().sudoUser.password;
    const release = '/tmp/goodsudo.release';
    for (const host of HOSTS) await onHost(fleet(), host, `rm -f ${release}`);
    const live = startPlaybook('steps.ts', await writeInventory(fleet(), workDir(), { sudoUser: { becomePassword: password } }), ['-e', 'tag=goodsudo', '-e', `release=${release}`]);
    try {
      // The pause runs as root until this test releases it: while every host shows it, the kept
      // root shell and its sudo are certainly running, however slow the machine is.
      for (const host of HOSTS) await untilPausing(host, release, live);
      for (const host of HOSTS) {
        const processes = await onHost(fleet(), host, 'ps -eo user,args');
        // The kept root shell runs under sudo with a random prompt and reads the password on stdin.
        expect(processes).toMatch(/sudo -S -H -p '?\[meshbook-sudo-[0-9a-f]{16}\]'? -u root --/);
        expect(processes).toMatch(new RegExp(`^root\\s+sh -c .* pause ${release}$`, 'm'));
        expect(processes).not.toContain(password);
        // Every process's whole argv and environment, as the kernel holds them (ps may shorten).
        for (const what of ['cmdline', 'environ']) {
          expect(await linesHolding(host, `cat /proc/[0-9]*/${what} 2>/dev/null | tr '\\0' '\\n'`, password), `${what} on ${host}`).toBe(0);
        }
      }
    } finally {
      for (const host of HOSTS) await onHost(fleet(), host, `touch ${release}`);
    }
    const run = await live.done;
    expectExit(run, 0);
    for (const host of HOSTS) {
      expect(await linesHolding(host, 'journalctl -q --no-pager', password), `the journal on ${host}`).toBe(0);
      expect(await onHost(fleet(), host, 'cat /root/goodsudo.step3')).toBe(`step 3 on ${host}\n`);
    }
    expect(run.stdout + run.stderr).not.toContain(password);
  });
});

/**
 * How many lines of `source`'s output on `host` hold `needle`. The needle goes in on stdin, so the
 * probe's own command line, which /proc also lists, does not hold it.
 */
async function linesHolding(host: string, source: string, needle: string): Promise<number> {
  const result = await fleet().exec(host, ['sh', '-c', `exec 3<&0; ${source} | grep -cF -f /dev/fd/3 || true`], { stdin: needle });
  expect(result.stdout, result.stderr).toMatch(/^\d+\n$/);
  return Number(result.stdout);
}

/** Waits until the steps fixture's pause, held until `release` exists, runs on `host`; fails if the run ends first. */
async function untilPausing(host: string, release: string, live: LiveRun): Promise<void> {
  let ended = false;
  void live.done.then(() => (ended = true));
  while ((await processesMatching(fleet(), host, `^sh -c .* pause ${release}$`)).length === 0) {
    if (ended) throw new Error(`the run ended before the pause ran on ${host}:\n${(await live.done).stderr}`);
    await sleep(100);
  }
}

describe("the play's become merged with the blocks' and tasks' (Ansible's become, become_user)", () => {
  it('whoami in each task is the merged user: the play user for become: true, the task user over it, the login user for false', async () => {
    const tag = `merge${Date.now()}`;
    for (const host of HOSTS) await onHost(fleet(), host, 'id pgmerge >/dev/null 2>&1 || useradd --create-home --shell /bin/sh pgmerge');
    const run = await runPlaybook('become-merge.ts', await writeInventory(fleet(), workDir(), { sudoUser: { becomePassword: fleet().sudoUser.password } }), ['-e', `tag=${tag}`]);
    expectExit(run, 0);
    const names = ['play-user', 'task-become-true', 'task-user', 'task-off', 'block-off', 'on-again'];
    const login = fleet().sudoUser.name;
    for (const host of HOSTS) {
      const users = await onHost(fleet(), host, names.map((name) => `cat /tmp/${tag}.${name}`).join('; '));
      expect(users.trim().split('\n')).toEqual(['pgmerge', 'pgmerge', 'root', login, login, 'pgmerge']);
    }
  });
});

describe("the host's become variables over the play's, blocks' and tasks' become (Ansible's precedence: variables over keywords)", () => {
  it("ansible_become_user in the inventory wins over every become user of the playbook; a keyword's become: false still runs as the login user", async () => {
    const tag = `vars${Date.now()}`;
    for (const host of HOSTS) await onHost(fleet(), host, 'for u in pgmerge pgvar; do id $u >/dev/null 2>&1 || useradd --create-home --shell /bin/sh $u; done');
    const inventory = await writeInventory(fleet(), workDir(), { sudoUser: { becomePassword: fleet().sudoUser.password }, hostVars: { node1: { ansible_become_user: 'pgvar' } } });
    const run = await runPlaybook('become-merge.ts', inventory, ['-e', `tag=${tag}`]);
    expectExit(run, 0);
    const names = ['play-user', 'task-become-true', 'task-user', 'task-off', 'block-off', 'on-again'];
    const login = fleet().sudoUser.name;
    const users = async (host: string) => (await onHost(fleet(), host, names.map((name) => `cat /tmp/${tag}.${name}`).join('; '))).trim().split('\n');
    // node1's variable beats the play's pgmerge and the task's root.
    expect(await users('node1')).toEqual(['pgvar', 'pgvar', 'pgvar', login, login, 'pgvar']);
    // node2 sets none: the keywords decide.
    expect(await users('node2')).toEqual(['pgmerge', 'pgmerge', 'root', login, login, 'pgmerge']);
  });
});

describe('the dpkg lock', () => {
  it('8. held by another process: apt waits the configured time, then a clear error naming the lock and its holder; nothing removed', async () => {
    // apt takes lock-frontend with fcntl (lockf); flock(1) would not block it.
    await fleet().exec('node2', [
      'sh',
      '-c',
      `nohup python3 -c 'import fcntl,time; f=open("/var/lib/dpkg/lock-frontend","w"); fcntl.lockf(f, fcntl.LOCK_EX); open("/tmp/dpkg-held","w").close(); time.sleep(120)' >/dev/null 2>&1 &`,
    ]);
    while ((await onHost(fleet(), 'node2', 'ls /tmp/dpkg-held 2>/dev/null')) === '') await sleep(100);
    try {
      const run = await runPlaybook('apt-remove.ts', await writeInventory(fleet(), workDir(), { hosts: ['node2'] }), ['-e', 'package=less']);
      expectExit(run, 2);
      const result = resultsOf(run, 'remove package')['node2']!;
      expect(result.error?.code).toBe('HOST_LOCKED');
      expect(result.error?.message).toMatch(/^the apt\/dpkg lock \/var\/lib\/dpkg\/lock-frontend is held by process \d+ \(python3\); gave up after waiting 3 s$/);
      expect(result.durationMs).toBeGreaterThanOrEqual(3000);
      expect(await onHost(fleet(), 'node2', `dpkg-query -W -f '\${Status}' less`)).toBe('install ok installed');
    } finally {
      await onHost(fleet(), 'node2', 'pkill -f "lock-frontend" || true; rm -f /tmp/dpkg-held');
    }
  });
});
