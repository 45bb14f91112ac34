import { describe, expect, it } from 'vitest';
import { FactCache, createModuleContext } from '@meshbook/engine';
import { FakeTransport } from '@meshbook/engine/testing';
import { wireguardInterface } from './interface.js';

const params = wireguardInterface.parse({ address: '10.7.0.2/24', peers: [] });
const up = [{ kind: 'wireguard.up' as const, target: 'wg-quick@wg0', summary: 'bring wg0 up', payload: { unit: 'wg-quick@wg0' } }];

function hostWhereStartFails(times: number) {
  const commands: string[] = [];
  let failures = 0;
  const transport = new FakeTransport('h', {
    handler: (text) => {
      commands.push(text);
      if (text.startsWith('systemctl start')) return failures++ < times ? { exitCode: 1, stderr: 'Job failed' } : { exitCode: 0 };
      if (text.startsWith('journalctl')) return { stdout: '[#] wireguard-go wg0\nwg-quick: failed' };
      if (text.startsWith('systemctl reset-failed')) return { exitCode: 0 };
      return undefined;
    },
  });
  const progress: string[] = [];
  const ctx = createModuleContext(transport, { onProgress: (l) => progress.push(l) }, new FactCache(transport));
  return { ctx, commands, progress };
}

describe('wireguard interface start', () => {
  it('tries once more after a failed start, and says so', async () => {
    const { ctx, commands, progress } = hostWhereStartFails(1);
    await wireguardInterface.definition.apply(ctx, up, params);
    expect(commands.filter((c) => c.startsWith('systemctl start'))).toHaveLength(2);
    expect(progress[0]).toMatch(/systemctl start wg-quick@wg0 failed, trying once more: .*wg-quick: failed/);
  });

  it('fails with wg-quick\'s journal when the second start fails too', async () => {
    const { ctx } = hostWhereStartFails(2);
    const error = await wireguardInterface.definition.apply(ctx, up, params).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'COMMAND_FAILED', message: 'systemctl start wg-quick@wg0 failed twice' });
    expect((error as { stderr: string }).stderr).toContain('wg-quick: failed');
  });
});
