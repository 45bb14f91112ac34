import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MeshbookError } from '../errors.js';
import { KnownAfterApply } from '../module/unknown.js';
import { fakeInventory } from '../testing/index.js';
import { command, harness, probe, setting } from './__fixtures__/harness.js';
import { listHosts, listTasks } from './list.js';
import { validatePlaybook } from './validate.js';
import { flushHandlers, handler, resultRef, task } from './types.js';
import type { Playbook } from './types.js';

const inventory = fakeInventory({ m1: { role: 'master', port: 6443 }, w1: { port: 'x' }, w2: { port: 10250 } }, { masters: ['m1'], workers: ['w1', 'w2'], k8s: ['masters', 'workers'] });

function problemsOf(playbook: Playbook, options = {}): string {
  try {
    validatePlaybook(playbook, inventory, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).code).toBe('BAD_INPUT');
    return (error as MeshbookError).message;
  }
  return '';
}

describe('validatePlaybook', () => {
  it('lists every problem with its path, and skips what needs registered results', () => {
    const join = resultRef<{ stdout: string }>('join');
    const message = problemsOf({
      name: 'site',
      plays: [
        { name: 'typo', hosts: 'mastres', tasks: [] },
        {
          name: 'prepare',
          hosts: 'k8s',
          serial: 'half',
          maxFailPercentage: 150,
          varsSchema: z.object({ port: z.number() }),
          handlers: [handler('restart', command, { cmd: 'restart' })],
          tasks: [
            task(setting, { path: '/etc/x', value: 1 as unknown as string }, { name: 'sysctl' }),
            task(setting, (host) => ({ path: '/p', value: host.name === 'w2' ? (2 as unknown as string) : 'ok' }), { name: 'per-host' }),
            task(command, (host) => ({ cmd: host.output(join, 'm1').stdout }), { name: 'uses register' }),
            task(command, () => {
              throw new KnownAfterApply('later');
            }, { name: 'unknown value' }),
            task(probe, {}, { notify: ['restart', 'reboot'], delegateTo: 'nowhere' }),
            task(probe, (host) => ({ waitMs: host.var('port', z.number()) }), { name: 'needs port' }),
            task(setting, (_h, item: number) => ({ path: '/i', value: item as unknown as string }), { name: 'loop', loop: [1], when: (host) => host.name === 'm1' }),
            flushHandlers(),
          ],
        },
      ],
    });
    const lines = message.split('\n').slice(1);
    expect(message).toMatch(/^playbook "site" has 9 problems:/);
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}- plays\[0\] "typo": hosts "mastres": .*mastres/),
      `  - plays[1] "prepare": serial: "half" is not a batch size (expected a number >= 0 or a percentage such as '30%')`,
      '  - plays[1] "prepare": maxFailPercentage: expected a number from 0 to 100, got 150',
      expect.stringMatching(/^ {2}- plays\[1\] "prepare": host "w1": variable "port": .*expected number, received string$/),
      expect.stringMatching(/^ {2}- plays\[1\] "prepare" tasks\[0\] "sysctl": value: .*expected string, received number$/),
      expect.stringMatching(/^ {2}- plays\[1\] "prepare" tasks\[1\] "per-host" on host "w2": value: .*expected string/),
      `  - plays[1] "prepare" tasks[4] "probe": notify: play "prepare" has no handler "reboot"`,
      `  - plays[1] "prepare" tasks[4] "probe": delegateTo: "nowhere" is neither 'localhost' nor an inventory host`,
      // tasks[5] "needs port" on w1 is not repeated: w1's vars already failed the play's varsSchema.
      expect.stringMatching(/^ {2}- plays\[1\] "prepare" tasks\[6\] "loop" on host "m1": value: .*expected string/),
    ]);
  });

  it('honours limit, extra vars and tags', () => {
    const playbook: Playbook = {
      name: 'site',
      plays: [
        {
          name: 'p',
          hosts: 'k8s',
          varsSchema: z.object({ port: z.number() }),
          tasks: [task(setting, { path: 1 as unknown as string, value: 'v' }, { tags: ['broken'] })],
        },
      ],
    };
    // w1 (bad port) is limited out; the broken task is skipped by tag.
    expect(() => validatePlaybook(playbook, inventory, { limit: 'm1:w2', skipTags: ['broken'] })).not.toThrow();
    // -e fixes every host's port.
    expect(problemsOf(playbook, { extraVars: { port: 1 } })).toMatch(/tasks\[0\] "setting": path/);
    expect(problemsOf(playbook, { limit: 'nosuchhost', skipTags: ['broken'] })).toMatch(/limit "nosuchhost"/);
  });

  it('runPlaybook validates first and connects to nothing when the playbook is bad', async () => {
    const h = harness({ a: {} });
    await expect(h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(probe, { waitMs: 'x' as unknown as number })] }] })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(h.fleet.connects).toEqual([]);
    expect(h.events).toEqual([]);
  });
});

describe('listHosts / listTasks', () => {
  const playbook: Playbook = {
    name: 'site',
    plays: [
      { name: 'masters', hosts: 'masters', tasks: [task(probe, {}, { name: 'a', tags: ['x'] }), flushHandlers(), task(probe, {}, { name: 'b' })] },
      { name: 'everyone', hosts: 'k8s:!w2', tasks: [task(probe, {}, { name: 'c', tags: ['never', 'debug'] })] },
    ],
  };
  it('lists each play\'s hosts after limit', () => {
    expect(listHosts(playbook, inventory)).toEqual([
      { play: 'masters', hosts: ['m1'] },
      { play: 'everyone', hosts: ['m1', 'w1'] },
    ]);
    expect(listHosts(playbook, inventory, { limit: 'workers' })).toEqual([
      { play: 'masters', hosts: [] },
      { play: 'everyone', hosts: ['w1'] },
    ]);
  });
  it('lists the tasks the tags keep', () => {
    expect(listTasks(playbook)).toEqual([
      { play: 'masters', tasks: [{ name: 'a', tags: ['x'] }, { name: 'b', tags: [] }] },
      { play: 'everyone', tasks: [] },
    ]);
    expect(listTasks(playbook, { tags: ['debug'] })[1]!.tasks).toEqual([{ name: 'c', tags: ['never', 'debug'] }]);
  });
});

describe('validatePlaybook: checks across hosts', () => {
  it('reports what validateHosts finds, naming the hosts, before anything connects', () => {
    const message = problemsOf({
      name: 'site',
      plays: [
        {
          name: 'ports',
          hosts: 'all',
          validateHosts: (hosts) => {
            const m1 = hosts.find((h) => h.name === 'm1')!;
            return hosts.filter((h) => h.name !== 'm1' && h.vars.port === m1.vars.port).map((h) => `${h.name} and m1 share port ${String(h.vars.port)}`);
          },
          tasks: [],
        },
      ],
    }, { extraVars: { port: 1 } });
    expect(message).toContain('plays[0] "ports": w1 and m1 share port 1');
    expect(message).toContain('plays[0] "ports": w2 and m1 share port 1');
  });
});

describe('validatePlaybook: variables read by tasks', () => {
  it('reports a host.var problem on a host no varsSchema already rejected', () => {
    const message = problemsOf({
      name: 'site',
      plays: [{ name: 'p', hosts: 'workers', tasks: [task(probe, (host) => ({ waitMs: host.var('port', z.number()) }), { name: 'needs port' })] }],
    });
    expect(message).toMatch(/plays\[0\] "p" tasks\[0\] "needs port": host "w1": variable "port": .*expected number/);
    expect(message).not.toContain('"w2"');
  });
});
