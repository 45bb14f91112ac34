import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshbookError, defineFact, FactCache, sh } from '@meshbook/engine';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 19, item 6: output has a memory bound. A command (or a hostile host) streaming gigabytes
 * keeps the default cap per stream on the controller; the rest is counted and dropped, and the
 * result says so. A fact never parses cut output.
 */
const fleet = useFleet({ hosts: 1 });
let transport: SshTransport;
const MiB = 1024 * 1024;

beforeAll(async () => {
  transport = await connectSsh(fleetSshOptions(fleet(), 'node1'));
});
afterAll(async () => {
  await transport?.close();
});

describe('the per-command output cap (issue 19, item 6)', () => {
  it('2 GiB on stdout: 8 MiB kept, the rest counted and dropped, the controller stays small, and the session goes on', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    let result;
    try {
      result = await transport.run(sh`head -c 2G /dev/zero; echo err >&2`, { timeoutMs: 170_000 });
    } finally {
      clearInterval(sampler);
    }
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(8 * MiB);
    expect(result.truncated).toEqual({ stdout: 2 * 1024 * MiB - 8 * MiB, stderr: 0 });
    expect(result.stderr).toMatch(/^err\n\[meshbook: output past 8388608 bytes per stream was dropped: 2139095040 bytes of stdout\]\n$/);
    // Bounded: far below the 2 GiB that went by.
    expect(peak - before).toBeLessThan(400 * MiB);
    expect((await transport.run(sh`echo still-here`)).stdout).toBe('still-here\n');
  });

  it('the cap is configurable per command', async () => {
    const result = await transport.run(sh`head -c 5000 /dev/zero`, { maxOutputBytes: 1000 });
    expect(result.stdout.length).toBe(1000);
    expect(result.truncated).toEqual({ stdout: 4000, stderr: 0 });
  });

  it('a fact whose output went past the cap is an error, never parsed cut', async () => {
    const big = defineFact<number, number>({ name: 'test.big', command: (n) => sh`head -c ${n} /dev/zero`, parse: (r) => r.stdout.length });
    const facts = new FactCache(transport);
    const error = await facts.get(big(9 * MiB)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshbookError);
    expect((error as MeshbookError).message).toMatch(/test\.big: its output went past the output cap/);
  });
});
