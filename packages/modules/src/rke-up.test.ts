import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '@meshbook/engine';
import { describe, expect, it } from 'vitest';
import { rkeUp } from './rke-up.js';

describe('rkeUp, before any rke runs', () => {
  it('plans rke up for a cluster.yml still to be written (check mode), and refuses to run rke without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshbook-rkeup-'));
    try {
      const ahead = await rkeUp.run(new LocalTransport(), { dir }, { check: true });
      expect(ahead.changes.map((c) => c.summary)).toEqual([`rke up in ${dir} (cluster.yml not written yet, no kube_config_cluster.yml, no cluster.rkestate)`]);
      await expect(rkeUp.run(new LocalTransport(), { dir, rke: '/nonexistent/rke' })).rejects.toThrow(`rkeUp: ${dir}/cluster.yml does not exist on the controller`);
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
