import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { harness, results, setting } from './__fixtures__/harness.js';
import { definePlay, task, type HostContext } from './types.js';
import { validatePlaybook } from './validate.js';
import { RunEvaluations } from './evaluate-task.js';

const vars = z.object({ port: z.coerce.number().int(), mode: z.enum(['a', 'b']).default('a') });
type Host = HostContext<z.output<typeof vars>>;

const play = definePlay({
  name: 'typed',
  hosts: 'all',
  varsSchema: vars,
  // host.vars is the schema's output: a number (coerced from the inventory's string), the default applied.
  tasks: [task(setting, (host: Host) => ({ path: `/conf-${host.vars.mode}`, value: String(host.vars.port + 1) }))],
});

describe('definePlay: tasks see the varsSchema output as host.vars', () => {
  it('typed, coerced and with defaults, parsed once before the run', async () => {
    const h = harness({ a: { port: '8080' }, b: { port: 9090, mode: 'b' } });
    await h.run({ name: 'pb', plays: [play] });
    expect(results(h.events)).toEqual(['setting@a=changed', 'setting@b=changed']);
    expect(h.fleet.transport('a').readFile('/conf-a')).toBe('8081');
    expect(h.fleet.transport('b').readFile('/conf-b')).toBe('9091');
  });

  it('vars the schema refuses are reported by validation, naming host and variable', () => {
    const h = harness({ a: { port: 'eighty' } });
    expect(() => validatePlaybook({ name: 'pb', plays: [play] }, h.options.inventory)).toThrow(/host "a": variable "port"/);
  });
});

describe('task evaluation', () => {
  it('params that read nothing changing are evaluated once per host: validation, prefetch and the run share it', async () => {
    const h = harness({ a: {}, b: {} });
    const calls: string[] = [];
    await h.run({
      name: 'pb',
      plays: [{ name: 'p', hosts: 'all', tasks: [task(setting, (host) => (calls.push(host.name), { path: '/x', value: host.name }))] }],
    });
    expect(calls.sort()).toEqual(['a', 'b']);
    expect(results(h.events)).toEqual(['setting@a=changed', 'setting@b=changed']);
  });

  it("a caller's own validation (the CLI's) shares them with the run it passes them to; without them the run evaluates again", async () => {
    const playbook = (calls: string[]) => ({
      name: 'pb',
      plays: [{ name: 'p', hosts: 'all', tasks: [task(setting, (host: HostContext) => (calls.push(host.name), { path: '/x', value: host.name }))] }],
    });
    const shared: string[] = [];
    const h = harness({ a: {}, b: {} });
    const evaluations = new RunEvaluations();
    const sharedPlaybook = playbook(shared);
    validatePlaybook(sharedPlaybook, h.options.inventory, {}, evaluations);
    await h.run(sharedPlaybook, { validate: false, evaluations });
    expect(shared.sort()).toEqual(['a', 'b']);
    expect(results(h.events)).toEqual(['setting@a=changed', 'setting@b=changed']);
    expect(h.fleet.transport('b').readFile('/x')).toBe('b');

    const apart: string[] = [];
    const other = harness({ a: {}, b: {} });
    const apartPlaybook = playbook(apart);
    validatePlaybook(apartPlaybook, other.options.inventory);
    await other.run(apartPlaybook, { validate: false });
    expect(apart.sort()).toEqual(['a', 'a', 'b', 'b']);
  });
});

describe('inventory_dir', () => {
  it("is the inventory's directory, as Ansible's magic variable; the inventory, the play and -e may set it", async () => {
    const h = harness({ a: {}, b: { inventory_dir: '/elsewhere' } });
    await h.run({ name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(setting, (host) => ({ path: '/dir', value: String(host.vars['inventory_dir']) }))] }] });
    expect(h.fleet.transport('a').readFile('/dir')).toBe(h.options.inventory.baseDir);
    expect(h.fleet.transport('b').readFile('/dir')).toBe('/elsewhere');
  });
});
