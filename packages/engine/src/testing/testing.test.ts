import { describe, expect, it } from 'vitest';
import { sh } from '../command.js';
import { FakeTransport, fakeHosts, fakeInventory } from './index.js';

describe('fakeInventory', () => {
  const inventory = fakeInventory(
    { m1: { ansible_host: '10.0.0.1', become: true }, w1: {}, w2: {}, db1: {} },
    { masters: ['m1'], workers: ['w1', 'w2'], k8s: ['masters', 'workers'], db: ['db1'] },
  );
  it('selects with Ansible patterns, in inventory order', () => {
    expect(inventory.select('all')).toEqual(['m1', 'w1', 'w2', 'db1']);
    expect(inventory.select('db:masters')).toEqual(['m1', 'db1']);
    expect(inventory.select('k8s:!w2')).toEqual(['m1', 'w1']);
    expect(inventory.select('k8s:&workers')).toEqual(['w1', 'w2']);
    expect(inventory.select('w*')).toEqual(['w1', 'w2']);
    expect(() => inventory.select('mastres')).toThrow(/matches no host or group/);
  });
  it('gives hosts their groups, parents included, and a connection', () => {
    expect(inventory.hosts.get('m1')?.groups).toEqual(['all', 'masters', 'k8s']);
    expect(inventory.groupHosts('k8s')).toEqual(['m1', 'w1', 'w2']);
    expect(inventory.hosts.get('m1')?.connection).toMatchObject({ address: '10.0.0.1', port: 22, become: true });
  });
});

describe('FakeTransport', () => {
  it('answers scripted commands, fails unscripted ones with 127, and counts round trips', async () => {
    const t = new FakeTransport('h', { handler: (text) => (text.startsWith('echo') ? { stdout: 'hi\n' } : undefined), files: { '/etc/a': 'A' } });
    expect(await t.run(sh`echo ${'hi'}`)).toMatchObject({ stdout: 'hi\n', exitCode: 0 });
    expect(await t.run(sh`false`)).toMatchObject({ exitCode: 127 });
    await t.put('/etc/b', 'B', { mode: 0o600 });
    expect((await t.get('/etc/a')).toString()).toBe('A');
    expect(t.files.get('/etc/b')).toMatchObject({ mode: 0o600 });
    await expect(t.get('/nope')).rejects.toMatchObject({ code: 'TRANSFER_FAILED' });
    expect(t.stats()).toMatchObject({ commands: 5, roundTrips: 5 });
    expect(t.commands).toEqual(["echo hi", 'false']);
    t.disconnect();
    await expect(t.run(sh`true`)).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
  it('honours abort signals and timeouts while it waits', async () => {
    const t = new FakeTransport('h', { latencyMs: 200, handler: () => ({}) });
    await expect(t.run(sh`x`, { timeoutMs: 10 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(t.run(sh`x`, { signal: AbortSignal.timeout(10) })).rejects.toMatchObject({ code: 'ABORTED' });
  });
  it('fakeHosts connects per host and refuses the unreachable ones', async () => {
    const fleet = fakeHosts({ unreachable: ['w1'] });
    const inventory = fakeInventory({ m1: {}, w1: {} });
    expect((await fleet.connect(inventory.hosts.get('m1')!)).host).toBe('m1');
    await expect(fleet.connect(inventory.hosts.get('w1')!)).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
});
