import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '@meshbook/engine';
import { describe, expect, it } from 'vitest';
import { rkeUp } from './rke-up.js';

describe('rkeUp, before any rke runs', () => {
  it('refuses a directory without cluster.yml, naming the file and the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-rkeup-'));
    try {
      await expect(rkeUp.run(new LocalTransport(), { dir }, { check: true })).rejects.toThrow(`rkeUp: ${dir}/cluster.yml does not exist on the controller`);
      writeFileSync(join(dir, 'cluster.yml'), 'nodes: []\n');
      const planned = await rkeUp.run(new LocalTransport(), { dir }, { check: true });
      expect(planned.changes.map((c) => c.summary)).toEqual([`rke up in ${dir} (no kube_config_cluster.yml, no cluster.rkestate, cluster.yml never brought up)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a directory with .. and an rke path with shell characters', () => {
    expect(() => rkeUp.parse({ dir: '../x' })).toThrow('dir');
    expect(() => rkeUp.parse({ dir: '/x', rke: 'rke; rm -rf /' })).toThrow('rke');
  });
});
