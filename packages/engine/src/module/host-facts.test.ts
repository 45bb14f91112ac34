import { describe, expect, it } from 'vitest';
import { LocalTransport } from '../transport/local.js';
import { FactCache } from './facts.js';
import { hostFacts, parseHostFacts } from './host-facts.js';

describe('host facts', () => {
  it('parse os-release, machine, init and addresses (loopback left out)', () => {
    const facts = parseHostFacts(
      [
        'os debian|12|bookworm|Debian GNU/Linux 12 (bookworm)',
        'machine aarch64',
        'hostname node1',
        'init systemd',
        'addr 1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
        'addr 2: eth0@if7    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0\\       valid_lft forever',
        'addr 2: eth0@if7    inet6 fe80::42:acff:fe11:2/64 scope link \\       valid_lft forever',
        'addr 3: wg0    inet 10.7.0.2/24 scope global wg0\\       valid_lft forever',
      ].join('\n'),
    );
    expect(facts).toEqual({
      os: { id: 'debian', version: '12', codename: 'bookworm', name: 'Debian GNU/Linux 12 (bookworm)' },
      machine: 'aarch64',
      arch: 'arm64',
      hostname: 'node1',
      init: 'systemd',
      addresses: [
        { interface: 'eth0', family: 'inet', address: '172.17.0.2', prefix: 16 },
        { interface: 'eth0', family: 'inet6', address: 'fe80::42:acff:fe11:2', prefix: 64 },
        { interface: 'wg0', family: 'inet', address: '10.7.0.2', prefix: 24 },
      ],
    });
  });

  it('are read from a real host in one command', async () => {
    const transport = new LocalTransport('h');
    const facts = await new FactCache(transport).get(hostFacts(null));
    expect(facts.machine).toMatch(/\S/);
    expect(facts.os.id).toMatch(/\S/);
    expect(transport.stats().commands).toBe(1);
  });
});
