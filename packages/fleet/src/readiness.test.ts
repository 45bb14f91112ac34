import { describe, expect, it } from 'vitest';
import { parseJobs, waitForBoot, type BootLook } from './readiness.js';

/** A boot seen through scripted looks, on a clock that each look moves on by `stepMs`. */
function scripted(looks: BootLook[], stepMs: number, failed: string[] = []) {
  let clock = 0;
  let at = 0;
  return {
    looked: () => at,
    watch: {
      where: 'host node1 (container 0123456789ab)',
      stallMs: 120_000,
      now: () => clock,
      pause: async () => undefined,
      look: async () => {
        clock += stepMs;
        return looks[Math.min(at++, looks.length - 1)]!;
      },
      failedUnits: async () => failed,
    },
  };
}

const starting = (...pending: string[]): BootLook => ({ state: 'starting', pending });

describe('waitForBoot', () => {
  it('waits past any fixed wall while units keep finishing (a loaded machine), until running', async () => {
    // 40 looks 10 s apart, one unit finishing every look: 400 s in all, never 120 s without progress.
    const units = Array.from({ length: 40 }, (_, i) => `unit-${i}.service (waiting)`);
    const looks = units.map((_, i) => starting(...units.slice(i)));
    const boot = scripted([{ state: '', pending: [] }, ...looks, { state: 'running', pending: [] }], 10_000);
    await expect(waitForBoot(boot.watch)).resolves.toEqual([]);
    expect(boot.looked()).toBe(42);
  });

  it('degraded: the failed units', async () => {
    const boot = scripted([starting('a.service (running)'), { state: 'degraded', pending: [] }], 1000, ['a.service loaded failed failed A']);
    await expect(waitForBoot(boot.watch)).resolves.toEqual(['a.service loaded failed failed A']);
  });

  it('no unit finishing for the stall window: an error naming the container and the units still starting', async () => {
    const boot = scripted([starting('ssh.service (running)', 'multi-user.target (waiting)')], 10_000);
    await expect(waitForBoot(boot.watch)).rejects.toThrow(
      'host node1 (container 0123456789ab): the boot is stuck: no unit finished starting for 120 s (state starting); still starting: ssh.service (running), multi-user.target (waiting)',
    );
  });

  it('a unit restarting in a loop counts once, so the loop is no progress', async () => {
    const flapping = [starting('a.service (running)', 'b.service (running)'), starting('b.service (running)')];
    const looks = Array.from({ length: 100 }, (_, i) => flapping[i % 2]!);
    const boot = scripted(looks, 10_000);
    await expect(waitForBoot(boot.watch)).rejects.toThrow(/the boot is stuck: no unit finished starting for 120 s/);
    // a.service finished once (second look); 120 s later, nothing new.
    expect(boot.looked()).toBeLessThan(20);
  });

  it('systemd never answering is said so', async () => {
    const boot = scripted([{ state: '', pending: [] }], 10_000);
    await expect(waitForBoot(boot.watch)).rejects.toThrow('host node1 (container 0123456789ab): the boot is stuck: systemd did not answer for 120 s');
  });

  it('maintenance or stopping ends the wait at once', async () => {
    const boot = scripted([{ state: 'maintenance', pending: ['rescue.target (waiting)'] }], 1000);
    await expect(waitForBoot(boot.watch)).rejects.toThrow('host node1 (container 0123456789ab): systemd went to maintenance while booting; still starting: rescue.target (waiting)');
  });
});

describe('parseJobs', () => {
  it("systemctl list-jobs' plain lines: the unit and its job's state", () => {
    const text = '112 ssh.service                  start running\n  1 multi-user.target start waiting\nNo jobs running.\n';
    expect(parseJobs(text)).toEqual(['ssh.service (running)', 'multi-user.target (waiting)']);
  });
});
