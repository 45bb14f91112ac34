import { describe, expect, it } from 'vitest';
import { factsProbe, parseFactsProbe } from './facts-probe.js';

describe('facts probe', () => {
  it('is one fixed command', () => {
    expect(factsProbe.text).toContain('uname -r');
    expect(factsProbe.text).toBe(factsProbe.display);
  });

  it('parses every section', () => {
    const stdout = [
      '@@meshbook:hostname', 'node-1',
      '@@meshbook:os-release', 'PRETTY_NAME="Ubuntu 24.04.1 LTS"', 'ID=ubuntu', 'VERSION_ID="24.04"',
      '@@meshbook:kernel', '6.8.0-45-generic',
      '@@meshbook:arch', 'x86_64',
      '@@meshbook:cpus', '4',
      '@@meshbook:meminfo', 'MemTotal:        8039676 kB',
      '',
    ].join('\n');
    expect(parseFactsProbe(stdout)).toEqual({
      hostname: 'node-1',
      os: { id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.1 LTS' },
      kernel: '6.8.0-45-generic',
      arch: 'x86_64',
      cpus: 4,
      memoryMb: 7851,
    });
  });

  it('leaves what is missing empty or null', () => {
    expect(parseFactsProbe('@@meshbook:hostname\nbox\n')).toEqual({ hostname: 'box', os: {}, kernel: '', arch: '', cpus: null, memoryMb: null });
  });

  it('runs on this machine through the local transport', async () => {
    const { LocalTransport } = await import('@meshbook/engine');
    const result = await new LocalTransport().run(factsProbe);
    const facts = parseFactsProbe(result.stdout);
    expect(facts.hostname.length).toBeGreaterThan(0);
    expect(facts.cpus).toBeGreaterThan(0);
  });
});
