import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useFleet } from '../support/fleet.js';
import { parse as parseToml } from 'smol-toml';
import { ARCHIVE, TOML_KEY } from './fixtures/metachar-files.js';
import { CANARY, CRON_FILE, DIR, NAME, PUBLIC_KEY, SYSCTL_VALUE, TEXT, at } from './fixtures/metachar-values.js';
import { acceptedLogins, expectExit, runPlaybook, useWorkDir, writeInventory } from './harness.js';

/**
 * Issue 8, case 13: `;`, `$(...)`, backticks, both quotes, newlines, a leading dash and non-ASCII
 * in every string parameter: applied literally (read back byte for byte, outside SSH), nothing
 * injected; where a parameter's syntax cannot hold them, a clear validation error instead.
 */
const fleet = useFleet({ hosts: 1 });
const workDir = useWorkDir();

/** A file's bytes, read with docker exec argv (no shell on our side either). */
async function read(path: string): Promise<string> {
  const result = await fleet().exec('node1', ['cat', '--', path]);
  expect(result.exitCode, `cat ${JSON.stringify(path)}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

async function exec(argv: string[]): Promise<string> {
  const result = await fleet().exec('node1', argv);
  expect(result.exitCode, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Any file named pwned anywhere on the host's root filesystem (the relative canaries land in a cwd). */
async function canaryOnHost(): Promise<boolean> {
  const found = await fleet().exec('node1', ['find', '/', '-xdev', '-name', 'pwned']);
  return found.stdout.trim() !== '' || (await fleet().exec('node1', ['test', '-e', CANARY])).exitCode === 0;
}

describe('shell metacharacters in parameters', () => {
  it('13. every string parameter that accepts them applies them literally, twice (idempotent), and nothing runs', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const first = await runPlaybook('metachar-values.ts', inventory);
    expectExit(first, 0);
    expect(await canaryOnHost()).toBe(false);
    expect(existsSync(CANARY) || existsSync('pwned'), 'nothing ran on the controller either (templates render there)').toBe(false);

    expect(await read(at(''))).toBe(TEXT);
    expect(await exec(['readlink', '--', at('.link')])).toBe(`${NAME}\n`);
    expect(await exec(['stat', '-c', '%F %a', '--', at('.dir')])).toBe('directory 750\n');
    expect(await read(at('.tpl'))).toBe(`${TEXT}|$(touch ${CANARY})|${NAME}\n`);
    expect(await read(at('.lines'))).toBe(`${NAME}\n`);
    expect(await read(at('.block'))).toBe(`# BEGIN MESHBOOK ${NAME}\n${TEXT}# END MESHBOOK ${NAME}\n`);
    expect(await read(at('.backrefs'))).toBe(`k=${NAME}|$1 $(touch ${CANARY})\n`);
    expect(await exec(['stat', '-c', '%i %h', '--', at('.hard')])).toBe(await exec(['stat', '-c', '%i %h', '--', at('')]));
    expect(await read(at('.remote'))).toBe(TEXT);
    expect(await exec(['stat', '-c', '%F %a', '--', `${at('.tree')}/${NAME}.dir`, `${at('.tree')}/${NAME}.dir/${NAME}`])).toBe('directory 750\nregular empty file 640\n');
    // recurse gave every entry u=rwX,g=rX,o= (the copies, the tree, the files the commands wrote).
    expect(await exec(['sh', '-c', 'find "$1" ! -type l ! -perm 0750 ! -perm 0640 | wc -l', 'sh', DIR])).toBe('0\n');
    expect(await read(at('.argv'))).toBe(TEXT);
    expect(await read(at('.env'))).toBe(TEXT);
    expect(await read(at('.stdin'))).toBe(TEXT);
    expect(await read(at('.cwd'))).toBe(`${at('.dir')}\n`);
    expect(await exec(['ls', '-A', '--', DIR])).toContain(`${NAME}.leading-dash-arg`);
    expect(await read(`${DIR}/shell-env`)).toBe(TEXT);
    expect(await exec(['sysctl', '-n', 'kernel.domainname'])).toBe(`${SYSCTL_VALUE}\n`);
    expect((await exec(['getent', 'passwd', 'metauser'])).split(':')[4]).toBe(NAME);
    expect(await read(CRON_FILE)).toBe(`#Ansible: ${NAME}\n#* * * * * root ${NAME}\n`);
    // sshd's quoting: only a double quote is escaped inside the forced command.
    expect(await read(at('.keys'))).toBe(`command="${NAME.replace(/"/g, '\\"')}" ${PUBLIC_KEY} ${NAME}\n`);

    // The second run finds everything in place: the values were compared literally too.
    const second = await runPlaybook('metachar-values.ts', inventory);
    expectExit(second, 0);
    const changed = second.events.filter((e) => e.type === 'host.result' && e.status === 'changed').map((e) => e.type === 'host.result' && e.task);
    // Commands always report a change (creates was never made, so it ran again).
    expect(changed).toEqual(['command argv, env, stdin, chdir, creates', 'command with a leading-dash path', 'shell env']);
    expect(await canaryOnHost()).toBe(false);
  });

  it('13. get_url, unarchive, toml_file and mount take hostile paths, keys and values literally, twice', async () => {
    // The archive and the served file are made outside SSH, hostile names passed as argv.
    await exec(['sh', '-c', 'mkdir -p /root/serve /root/build && printf "%s" "$1" > /root/serve/payload.txt && cd /root/build && printf "%s" "$1" > "./$2" && tar czf "$3" -- "./$2"', 'sh', TEXT, NAME, ARCHIVE]);
    await exec(['sh', '-c', 'nohup python3 -m http.server 8123 --bind 127.0.0.1 --directory /root/serve >/dev/null 2>&1 & sleep 1']);
    const inventory = await writeInventory(fleet(), workDir());
    const first = await runPlaybook('metachar-files.ts', inventory);
    expectExit(first, 0);
    expect(await read(at('.download'))).toBe(TEXT);
    expect(await read(`${at('.unpacked')}/${NAME}`)).toBe(TEXT);
    const toml = parseToml(await read(at('.toml'))) as Record<string, Record<string, string>>;
    expect(toml[TOML_KEY[0]!]![TOML_KEY[1]!]).toBe(TEXT);
    expect(await exec(['findmnt', '-n', '-o', 'FSTYPE', '--mountpoint', at('.mnt')])).toBe('tmpfs\n');
    expect(await exec(['cat', '/etc/fstab'])).toContain(`tmpfs ${at('.mnt').replace(/\\/g, '\\134').replace(/ /g, '\\040')} tmpfs size=1m 0 0`);
    const second = await runPlaybook('metachar-files.ts', inventory);
    expectExit(second, 0);
    expect(second.events.filter((e) => e.type === 'host.result' && e.status === 'changed')).toEqual([]);
    expect(await canaryOnHost()).toBe(false);
    await exec(['umount', at('.mnt')]);
  });

  it('13. parameters whose syntax cannot hold them (host names, user/group/unit/module/package names, sysctl keys, multi-line values, WireGuard key paths, peer names and endpoints, crontab fields and lines, authorized key lines and options, git repos and versions) are refused by validation, each named', async () => {
    const inventory = await writeInventory(fleet(), workDir());
    const logins = await acceptedLogins(fleet(), 'node1');
    const run = await runPlaybook('metachar-rejected.ts', inventory);
    expectExit(run, 5);
    expect(run.stderr).toContain('playbook "metachar-rejected" has 23 problems');
    for (const [task, field] of [
      ['hosts name', 'entries[0].names[0]'],
      ['user name', 'name'],
      ['group name', 'name'],
      ['unit name', 'name'],
      ['sysctl key', 'values'],
      ['sysctl value with a newline', 'values.kernel.domainname'],
      ['apt package', 'name'],
      ['kernel module', 'name'],
      ['apt repository suite', 'suite'],
      ['wireguard interface name', 'interface'],
      ['wireguard key file', 'privateKeyFile'],
      ['wireguard interface key file', 'privateKeyFile'],
      ['wireguard peer name', 'peers[0].name'],
      ['wireguard peer endpoint', 'peers[0].endpoint'],
      ['cron job with a newline', 'job'],
      ['cron name with a newline', 'name'],
      ['cron minute', 'minute'],
      ['authorized key', 'key'],
      ['authorized key options', 'key_options'],
      ['git repo', 'repo'],
      ['git version', 'version'],
    ] as const) {
      expect(run.stderr, task).toContain(`"${task}": ${field}`);
    }
    expect(await acceptedLogins(fleet(), 'node1')).toBe(logins);
    expect(await canaryOnHost()).toBe(false);
  });
});
