import { beforeAll, describe, expect, it } from 'vitest';
import { cron } from '@meshbook/modules';
import { proveBadParams, proveCheckMode, proveIdempotent, proveOneRoundTrip, useHosts } from '../support/prove.js';

// The host image has no cron: Debian's is installed from the mirror (the only network this test uses).
const hosts = useHosts(1);
const H = 'node1';
const t = () => hosts.transport(H);
const crontab = () => hosts.sh(H, 'crontab -l -u deploy 2>&1 || true');
const CANARY = '/tmp/pwned';
/** A job full of shell metacharacters: written literally, run by nobody while written. */
const HOSTILE = `echo "$(touch ${CANARY})" '\`id\`' \\ $HOME; touch ${CANARY} \\% done`;

describe('cron on a real host', () => {
  beforeAll(async () => {
    await hosts.sh(H, 'apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends cron >/dev/null');
  }, 600_000);

  it('check mode on a fresh host reports the job and writes no crontab', async () => {
    const result = await proveCheckMode(cron, t(), { name: 'backup', minute: 0, hour: 2, job: '/usr/local/bin/backup', user: 'deploy' }, async () => `${await crontab()}${await hosts.sh(H, 'ls -A /var/spool/cron/crontabs')}`);
    expect(result.changes.map((c) => c.summary)).toEqual(['add job "backup"']);
    expect(result.diff).toContain('+0 2 * * * /usr/local/bin/backup');
    expect(await crontab()).toBe('no crontab for deploy\n');
  });

  it('a job in a user crontab (installed by crontab, which checks it), then nothing; gather is one round trip', async () => {
    const params = { name: 'backup', minute: 0, hour: 2, weekday: 'mon-fri', job: '/usr/local/bin/backup', user: 'deploy' };
    await proveIdempotent(cron, t(), params, async () => {
      expect(await crontab()).toBe('#Ansible: backup\n0 2 * * mon-fri /usr/local/bin/backup\n');
    });
    await proveOneRoundTrip(cron, t(), params);
  });

  it('env on top, disabled, a hostile job written literally, a crontab Ansible wrote taken over in place', async () => {
    await hosts.sh(H, `printf '#Ansible: legacy\\n0 5 * * * /old/job\\n' | crontab -u root -`);
    await proveIdempotent(cron, t(), { name: 'legacy', minute: 30, hour: 5, job: '/new/job' }, async () => {
      expect(await hosts.sh(H, 'crontab -l')).toBe('#Ansible: legacy\n30 5 * * * /new/job\n');
    });
    await proveIdempotent(cron, t(), { name: 'MAILTO', env: true, job: 'ops@example.test', user: 'deploy' });
    await proveIdempotent(cron, t(), { name: 'hostile', special_time: 'daily', job: HOSTILE, user: 'deploy', disabled: true });
    expect(await crontab()).toBe(`MAILTO=ops@example.test\n#Ansible: backup\n0 2 * * mon-fri /usr/local/bin/backup\n#Ansible: hostile\n#@daily ${HOSTILE}\n`);
    expect(await hosts.sh(H, `test -e ${CANARY} && echo pwned || echo clean`)).toBe('clean\n');
  });

  it('a cron.d file: 0644 root, the user field, then removed with its last entry', async () => {
    const file = () => hosts.sh(H, "stat -c '%a %U:%G' /etc/cron.d/meshbook-backup 2>&1 && cat /etc/cron.d/meshbook-backup || true");
    const params = { name: 'backup', cron_file: 'meshbook-backup', user: 'deploy', minute: '*/15', job: '/usr/local/bin/backup' };
    await proveCheckMode(cron, t(), params, file);
    await proveIdempotent(cron, t(), params, async () => {
      expect(await file()).toBe('644 root:root\n#Ansible: backup\n*/15 * * * * deploy /usr/local/bin/backup\n');
    });
    await proveIdempotent(cron, t(), { name: 'backup', cron_file: 'meshbook-backup', state: 'absent' }, async () => {
      expect(await file()).toMatch(/No such file/);
    });
  });

  it('the cron daemon runs what was written: a cron.d entry as its user, and a user crontab job', async () => {
    await hosts.sh(H, 'systemctl is-active cron || systemctl start cron');
    await cron.run(t(), { name: 'proof', cron_file: 'meshbook-proof', user: 'deploy', job: 'id -un > /tmp/cron-d-ran' });
    await cron.run(t(), { name: 'proof', user: 'deploy', job: 'id -un > /tmp/crontab-ran' });
    // cron reads its files on the minute: wait for the next one or two.
    let ran = '';
    for (let i = 0; i < 75 && ran !== 'deploy\ndeploy\n'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      ran = await hosts.sh(H, 'cat /tmp/cron-d-ran /tmp/crontab-ran 2>/dev/null || true');
    }
    expect(ran).toBe('deploy\ndeploy\n');
    await cron.run(t(), { name: 'proof', cron_file: 'meshbook-proof', state: 'absent' });
    await cron.run(t(), { name: 'proof', user: 'deploy', state: 'absent' });
  }, 120_000);

  it('absent removes the job and its marker, then nothing', async () => {
    await proveIdempotent(cron, t(), { name: 'backup', state: 'absent', user: 'deploy' }, async () => {
      expect(await crontab()).toBe(`MAILTO=ops@example.test\n#Ansible: hostile\n#@daily ${HOSTILE}\n`);
    });
  });

  it('a newline in a job or a command in a time field fails before the host is touched', async () => {
    await proveBadParams(cron, t(), { name: 'x', job: `true\n* * * * * root touch ${CANARY}`, user: 'deploy' }, /cron\.job: job on one line/);
    await proveBadParams(cron, t(), { name: 'x', minute: `* * * * * touch ${CANARY} #`, job: 'true' }, /cron\.minute/);
    await proveBadParams(cron, t(), { name: `x\n* * * * * touch ${CANARY}`, job: 'true' }, /cron\.name/);
  });
});
