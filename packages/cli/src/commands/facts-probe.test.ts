import { describe, expect, it } from 'vitest';
import { factsProbe, parseFactsProbe } from './facts-probe.js';

describe('facts probe', () => {
  it('is one batch of fixed commands', () => {
    expect(factsProbe.map((c) => c.text)).toContain('uname -r');
    for (const command of factsProbe) expect(command.text).toBe(command.display);
  });

  it('parses every section', () => {
    const outputs = [
      'node-1\n',
      'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nVERSION_ID="24.04"\n',
      '6.8.0-45-generic\n',
      'x86_64\n',
      '4\n',
      'MemTotal:        8039676 kB\n',
    ];
    expect(parseFactsProbe(outputs)).toEqual({
      hostname: 'node-1',
      os: { id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.1 LTS' },
      kernel: '6.8.0-45-generic',
      arch: 'x86_64',
      cpus: 4,
      memoryMb: 7851,
    });
  });

  it('leaves what is missing empty or null', () => {
    expect(parseFactsProbe(['box\n'])).toEqual({ hostname: 'box', os: {}, kernel: '', arch: '', cpus: null, memoryMb: null });
  });

  it('runs on this machine through the local transport', async () => {
    const { LocalTransport } = await import('@meshbook/engine');
    const results = await new LocalTransport().runBatch(factsProbe);
    const facts = parseFactsProbe(results.map((r) => r.stdout));
    expect(facts.hostname.length).toBeGreaterThan(0);
    expect(facts.cpus).toBeGreaterThan(0);
  });
});
