import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactCache, planFactBatch, resultsOfGroup, secret, splitGroupResult } from '@meshbook/engine';
import type { Become, CommandResult, FactRequest } from '@meshbook/engine';
import { fileState } from '@meshbook/modules';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 21: the file checks of a batch as one grouped command give each path exactly what its own
 * command gives, on a real host, as root, as a user without become (unreadable files) and as that
 * user with become: missing paths, directories, regular, empty and binary files, links followed
 * and broken, a bind-mounted file (Docker's /etc/hosts), names with spaces, newlines, quotes and
 * leading dashes, a link whose target is not UTF-8, a 0600 secret; one bad path fails no other.
 * The readable files' contents are read together (one cat | base64, checked by one sha256sum).
 */
const fleet = useFleet({ hosts: 1 });
const H = 'node1';
const D = '/srv/grouped';

const SECRET_TEXT = '[Interface]\nPrivateKey = grouped-canary-not-a-key\n';

const SETUP = `set -e
rm -rf ${D}; mkdir -p ${D}/dir ${D}/closed
printf 'hello\\nworld\\n' > ${D}/text
: > ${D}/empty
printf '\\000\\001\\377\\376x' > ${D}/binary
printf 'spaces' > '${D}/with space'
printf 'newline' > '${D}/new
line'
printf 'quotes' > "${D}/it's \\"q\\" \\$(x) \\\`y\\\`"
printf 'dash' > ${D}/-dash
printf 'back' > '${D}/back\\slash'
printf '%s' '${SECRET_TEXT}' > ${D}/wg0.conf; chmod 0600 ${D}/wg0.conf
printf 'secret inside' > ${D}/closed/inner; chmod 0700 ${D}/closed
head -c 5000 /dev/zero | tr '\\0' y > ${D}/big
printf 'not a mount' > ${D}/hosts
ln -s text ${D}/link; ln -s dir ${D}/dirlink; ln -s missing ${D}/broken; ln -s /etc/hosts ${D}/hosts-link
ln -s "$(printf 'f\\377/x')" ${D}/latin1-link
mkfifo ${D}/fifo
chown -R root:root ${D}; chmod 0755 ${D}`;

const PATHS = [
  `${D}/text`,
  `${D}/empty`,
  `${D}/binary`,
  `${D}/with space`,
  `${D}/new\nline`,
  `${D}/it's "q" $(x) \`y\``,
  `${D}/-dash`,
  `${D}/back\\slash`,
  `${D}/wg0.conf`,
  `${D}/closed/inner`,
  `${D}/closed`,
  `${D}/big`,
  `${D}/hosts`,
  `${D}/dir`,
  `${D}/dir/`,
  `${D}/link`,
  `${D}/dirlink`,
  `${D}/broken`,
  `${D}/hosts-link`,
  `${D}/latin1-link`,
  `${D}/fifo`,
  `${D}/missing`,
  `${D}/text/under-a-file`,
  '/etc/hosts',
  '/etc/hostname',
  '/',
];

const requests = (): FactRequest[] => PATHS.map((path) => fileState(path, path.endsWith('/big') ? 100 : undefined));

/** dash names the input line in its own errors ("sh: 12: cannot open ..."): where the script sat, not what it read. */
const withoutLineNumbers = (stderr: string) => stderr.replace(/^([^:\n]+): \d+: /gm, '$1: N: ');

async function singleAndGrouped(transport: SshTransport, become: Become | undefined): Promise<{ single: CommandResult[]; grouped: CommandResult[]; shared: string }> {
  const list = requests();
  const single = await transport.runBatch(list.map((r) => r.fact.command(r.args)), { become });
  const planned = planFactBatch(list);
  expect(planned).toHaveLength(1);
  const [result] = await transport.runBatch([planned[0]!.command], { become });
  const grouped = resultsOfGroup(planned[0]!, result!);
  expect(grouped, 'the group splits whole').toBeDefined();
  // How the contents were read: the shared section's first line (`cat`: one read for them all).
  const shared = splitGroupResult(result!, planned[0]!.markers!)!.at(-1)!.stdout.split('\n')[0]!;
  return { single, grouped: grouped!, shared };
}

const view = (path: string, r: CommandResult) => ({ path, stdout: r.stdout, exitCode: r.exitCode, stderr: withoutLineNumbers(r.stderr) });

let root: SshTransport;
let deploy: SshTransport;
beforeAll(async () => {
  const setup = await fleet().exec(H, ['sh', '-c', SETUP]);
  if (setup.exitCode !== 0) throw new Error(`setting up the paths failed: ${setup.stderr}`);
  root = await connectSsh(fleetSshOptions(fleet(), H));
  const { name, password } = fleet().sudoUser;
  deploy = await connectSsh(fleetSshOptions(fleet(), H, { user: name, becomePassword: secret(password) }));
});
afterAll(async () => {
  await root?.close();
  await deploy?.close();
});

describe('file.state grouped against single, on a fleet host', () => {
  for (const [who, become] of [
    ['root', undefined],
    ['a user without become', undefined],
    ['a user with become', true],
  ] as const) {
    it(`${who}: each path's part of the group is its own command's output`, async () => {
      const transport = who === 'root' ? root : deploy;
      const { single, grouped, shared } = await singleAndGrouped(transport, become);
      PATHS.forEach((path, i) => expect(view(path, grouped[i]!)).toEqual(view(path, single[i]!)));
      expect(shared, 'the contents read in one cat').toBe('cat');

      // Not vacuous: the cases the host gives.
      const at = (path: string) => single[PATHS.indexOf(path)]!;
      expect(at('/etc/hosts').stdout).toContain('\nmountpoint\n');
      expect(at(`${D}/hosts-link`).stdout).toContain('\nmountpoint\n');
      expect(at(`${D}/hosts`).stdout).not.toContain('mountpoint');
      expect(at(`${D}/missing`).stdout).toBe('absent\n');
      expect(at(`${D}/big`).stdout).toContain('sha256 ');
      expect(at(`${D}/text`).stdout).toContain('content aGVsbG8Kd29ybGQK\n');
      if (who === 'a user without become') {
        // The secret cannot be read: that path fails, and only that one.
        expect(at(`${D}/wg0.conf`).exitCode).toBe(3);
        expect(at(`${D}/wg0.conf`).stderr).toContain('Permission denied');
        expect(at(`${D}/closed/inner`).stdout).toBe('absent\n');
        expect(grouped.filter((r) => r.exitCode !== 0)).toHaveLength(1);
      } else {
        expect(at(`${D}/wg0.conf`).stdout).toContain(`content ${Buffer.from(SECRET_TEXT).toString('base64')}`);
        expect(at(`${D}/closed/inner`).stdout).toContain('content ');
      }
    });
  }

  it('the cache parses both to the same states, and a failing path fails alone', async () => {
    for (const [transport, become] of [
      [root, undefined],
      [deploy, undefined],
      [deploy, true],
    ] as const) {
      const outcome = (read: Promise<unknown>) => read.then((value) => ({ value })).catch((error: Error) => ({ error: error.message }));
      // One at a time: each on its own command, as a task reading one path does.
      const alone: unknown[] = [];
      for (const r of requests()) alone.push(await outcome(new FactCache(transport, { become }).get(r)));
      const cache = new FactCache(transport, { become });
      const before = transport.stats().commands;
      await cache.prefetch(requests().map((request) => ({ request, become })));
      expect(transport.stats().commands - before, 'one command for the whole prefetch').toBe(1);
      const together: unknown[] = [];
      for (const r of requests()) together.push(await outcome(cache.get(r)));
      expect(together).toEqual(alone);
      const failed = together.filter((t) => typeof t === 'object' && t !== null && 'error' in t);
      expect(failed).toHaveLength(become || transport === root ? 0 : 1);
      for (const t of failed) expect(JSON.stringify(t)).not.toContain('grouped-canary');
    }
  });
});
