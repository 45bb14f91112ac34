import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/bus.js';
import type { MeshbookEvent } from '../events/types.js';
import { rejection, tempInventory } from '../inventory/__fixtures__/temp-inventory.js';
import { loadInventory } from '../inventory/load.js';
import type { ConnectionSpec, Vars } from '../inventory/types.js';
import { Secret } from '../secret.js';
import { FakeHosts } from '../testing/index.js';
import { command, harness } from './__fixtures__/harness.js';
import { playHostVars } from './hosts.js';
import { runPlaybook } from './run-playbook.js';
import { task, type Play, type Playbook } from './types.js';
import { validatePlaybook } from './validate.js';

const HOSTS = '[web]\nw1 ansible_user=alice ansible_port=2201 app_user=svc\nw2 ansible_user=alice\n[db]\nd1 ansible_become_user=postgres\n';

/** Runs `plays` on fake hosts with a real inventory (loaded as the CLI loads it, -e included). */
async function run(plays: Play[], options: { extraVars?: Vars; defaultVars?: Vars; hosts?: string } = {}) {
  const inventory = await loadInventory(await tempInventory({ hosts: options.hosts ?? HOSTS }), {
    ...(options.extraVars && { extraVars: options.extraVars }),
    ...(options.defaultVars && { defaultVars: options.defaultVars }),
  });
  const fleet = new FakeHosts({ handler: async (text) => ({ stdout: `ran: ${text}\n` }) });
  const opened = new Map<string, ConnectionSpec>();
  const events: MeshbookEvent[] = [];
  const bus = new EventBus();
  bus.subscribe((event) => events.push(event));
  const playbook: Playbook = { name: 'pb', plays };
  const summary = await runPlaybook(playbook, {
    inventory,
    events: bus,
    ...(options.extraVars && { extraVars: options.extraVars }),
    connect: (host, connectOptions) => (opened.set(host.name, host.connection), fleet.connect(host, connectOptions)),
  });
  /** The become the command `echo <text>` ran with on `host`. */
  const become = (host: string, text: string) => fleet.transport(host).operations.find((op) => op.kind === 'run' && op.text.includes(`echo ${text}`))?.options.become;
  return { summary, opened, become, events, inventory, playbook };
}

const echo = (text: string, options: Parameters<typeof task>[2] = {}) => task(command, { cmd: `echo ${text}` }, { name: text, ...options });

describe("a play's connection variables (Ansible: inventory < play vars < -e)", () => {
  it("ansible_user and ansible_port in a play's vars open its hosts' connections; the inventory's apply where it sets none", async () => {
    const { opened, summary } = await run([{ name: 'deploy', hosts: 'web', vars: { ansible_user: 'deploy' }, tasks: [echo('x')] }, { name: 'db', hosts: 'db', tasks: [echo('y')] }]);
    expect(summary.outcome).toBe('ok');
    expect(opened.get('w1')).toMatchObject({ user: 'deploy', port: 2201 });
    expect(opened.get('w2')).toMatchObject({ user: 'deploy', port: 22 });
    expect(opened.get('d1')?.user).toBeUndefined();
  });

  it('-e wins over the play vars, under any of the variable\'s names', async () => {
    const { opened } = await run([{ name: 'deploy', hosts: 'web', vars: { ansible_ssh_user: 'deploy', ansible_port: 2222 }, tasks: [echo('x')] }], { extraVars: { ansible_user: 'root' } });
    expect(opened.get('w1')).toMatchObject({ user: 'root', port: 2222 });
  });

  it("the command line's -u ranks under the inventory and the play", async () => {
    const { opened } = await run([{ name: 'p', hosts: 'web:db', vars: { ansible_port: 2200 }, tasks: [echo('x')] }], { defaultVars: { ansible_user: 'cli' } });
    expect(opened.get('w1')).toMatchObject({ user: 'alice', port: 2200 });
    expect(opened.get('d1')).toMatchObject({ user: 'cli', port: 2200 });
  });

  it("ansible_become_user in a play's vars wins over the inventory's and over every become keyword, for that play only; -e wins over it", async () => {
    const plays: Play[] = [
      {
        name: 'as app',
        hosts: 'db',
        become: { user: 'keyword' },
        vars: { ansible_become_user: 'app' },
        tasks: [echo('play keyword'), echo('task keyword', { become: { user: 'other', method: 'su' } }), echo('task off', { become: false })],
      },
      { name: 'plain', hosts: 'db', become: true, tasks: [echo('next play')] },
    ];
    const { become } = await run(plays);
    expect(become('d1', 'play keyword')).toEqual({ user: 'app' });
    expect(become('d1', 'task keyword')).toEqual({ user: 'app', method: 'su' });
    expect(become('d1', 'task off')).toBe(false);
    // The next play sets no vars: the inventory's ansible_become_user again.
    expect(become('d1', 'next play')).toEqual({ user: 'postgres' });

    const overridden = await run(plays, { extraVars: { ansible_become_user: 'ops' } });
    expect(overridden.become('d1', 'play keyword')).toEqual({ user: 'ops' });
    expect(overridden.become('d1', 'next play')).toEqual({ user: 'ops' });
  });

  it('ansible_become and ansible_become_method in play vars are the default for tasks without a become keyword', async () => {
    const { become } = await run([{ name: 'p', hosts: 'w2', vars: { ansible_become: true, ansible_become_method: 'su' }, tasks: [echo('no keyword'), echo('keyword', { become: true })] }]);
    expect(become('w2', 'no keyword')).toEqual({ method: 'su' });
    expect(become('w2', 'keyword')).toEqual({ method: 'su' });
  });

  it('a "{{ var }}" reference in a play\'s connection variable resolves against the merged vars; anything else is refused naming play, host and variable', async () => {
    const { become } = await run([{ name: 'p', hosts: 'w1', vars: { ansible_become_user: '{{ app_user }}' }, tasks: [echo('x', { become: true })] }]);
    expect(become('w1', 'x')).toEqual({ user: 'svc' });

    const missing = await rejection(run([{ name: 'p', hosts: 'web', vars: { ansible_become_user: '{{ app_user }}' }, tasks: [echo('x')] }]));
    expect(missing.message).toContain('plays[0] "p": vars.ansible_become_user on host "w2": refers to variable app_user, which this host does not define');
    const jinja = await rejection(run([{ name: 'p', hosts: 'w1', vars: { ansible_user: "{{ app_user | default('x') }}" }, tasks: [echo('x')] }]));
    expect(jinja.message).toContain('plays[0] "p": vars.ansible_user on host "w1": only a plain "{{ variable }}" reference is supported');
    const bad = await rejection(run([{ name: 'p', hosts: 'w1', vars: { ansible_port: 'ssh' }, tasks: [echo('x')] }]));
    expect(bad.message).toContain('plays[0] "p": vars.ansible_port on host "w1": expected a port number 1-65535');
  });

  it("what meshbook does not use of a play's ansible_ssh_common_args is a warning naming the play and hosts, not silence", async () => {
    const { events, opened } = await run([{ name: 'p', hosts: 'web', vars: { ansible_ssh_common_args: '-o ConnectTimeout=5 -o Compression=yes' }, tasks: [echo('x')] }]);
    expect(opened.get('w1')?.connectTimeoutMs).toBe(5000);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings).toEqual([expect.stringMatching(/^plays\[0\] "p": vars\.ansible_ssh_common_args: ignored "-o Compression=yes" .* \(hosts w1, w2\)$/)]);
  });

  it('a task delegated to another inventory host reaches it with the play\'s connection variables too', async () => {
    const { opened } = await run([{ name: 'p', hosts: 'w1', vars: { ansible_user: 'deploy' }, tasks: [echo('x', { delegateTo: 'd1' })] }]);
    expect(opened.get('d1')?.user).toBe('deploy');
  });
});

describe('what a play changes is only what its vars set', () => {
  it('a play with become variables and one without share the host\'s connection (nothing else of it is re-read from the vars)', async () => {
    const h = harness({ a: { ansible_user: 'ops' } });
    const summary = await h.run({
      name: 'pb',
      plays: [
        { name: 'as app', hosts: 'all', vars: { ansible_become_user: 'app' }, tasks: [echo('first', { become: true })] },
        { name: 'plain', hosts: 'all', tasks: [echo('second', { become: true })] },
      ],
    });
    expect(summary.outcome).toBe('ok');
    const become = (text: string) => h.fleet.transport('a').operations.find((op) => op.kind === 'run' && op.text.includes(`echo ${text}`))?.options.become;
    expect([become('first'), become('second')]).toEqual([{ user: 'app' }, true]);
    expect(h.fleet.connects).toEqual(['a']);
  });
});

describe('connection variables a run cannot honour', () => {
  it('two plays reaching one host differently: refused before anything connects, naming the play, the variable, the host and the fix', async () => {
    const plays: Play[] = [
      { name: 'bootstrap', hosts: 'web', tasks: [echo('x')] },
      { name: 'deploy', hosts: 'w1', vars: { ansible_user: 'deploy' }, tasks: [echo('y')] },
    ];
    const error = await rejection(run(plays));
    expect(error.message).toContain(
      'plays[1] "deploy": vars ansible_user gives host "w1" login user deploy, but plays[0] "bootstrap" reaches it with login user alice; meshbook opens one connection per host for the whole run',
    );
    expect(error.message).toContain('fix: set ansible_user for the host in the inventory (host_vars/group_vars) or with -e');
    // Plays that agree, or -e deciding for both, are fine.
    await expect(run([plays[0]!, { ...plays[1]!, vars: { ansible_user: 'alice' } }])).resolves.toMatchObject({ summary: { outcome: 'ok' } });
    const decided = await run(plays, { extraVars: { ansible_user: 'root' } });
    expect(decided.opened.get('w1')?.user).toBe('root');
  });

  it('a become password is compared, never shown: not in the error, not in host.vars, not in events', async () => {
    const password = 'hunter2-play-secret';
    const plays: Play[] = [
      { name: 'a', hosts: 'w1', vars: { ansible_become_password: password }, tasks: [echo('x')] },
      { name: 'b', hosts: 'w1', vars: { ansible_become_pass: 'another-secret' }, tasks: [echo('y')] },
    ];
    const error = await rejection(run(plays));
    expect(error.message).toContain('plays[1] "b": vars ansible_become_pass gives host "w1" a become password (a different one), but plays[0] "a" reaches it with a become password');
    expect(error.message).not.toContain(password);
    expect(error.message).not.toContain('another-secret');

    const ok = await run([plays[0]!, { ...plays[1]!, vars: { ansible_become_pass: password } }]);
    expect(ok.opened.get('w1')?.becomePassword).toBeInstanceOf(Secret);
    expect((ok.opened.get('w1')?.becomePassword as Secret).reveal()).toBe(password);
    expect(JSON.stringify(ok.events)).not.toContain(password);
    // Tasks see it as a Secret too, as they see the inventory's.
    expect(playHostVars(ok.inventory, 'w1', plays[0]!, undefined)['ansible_become_password']).toBeInstanceOf(Secret);
  });

  it('validation reports it offline (as --syntax-check does), with the limit applied', async () => {
    const inventory = await loadInventory(await tempInventory({ hosts: HOSTS }));
    const playbook: Playbook = {
      name: 'pb',
      plays: [
        { name: 'a', hosts: 'web', tasks: [echo('x')] },
        { name: 'b', hosts: 'web', vars: { ansible_port: 2022 }, tasks: [echo('y')] },
      ],
    };
    expect(() => validatePlaybook(playbook, inventory)).toThrow(/plays\[1\] "b": vars ansible_port gives host "w1" port 2022, but plays\[0\] "a" reaches it with port 2201/);
    expect(() => validatePlaybook(playbook, inventory, { limit: 'd1' })).not.toThrow();
  });
});
