import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { harness, ofType, probe, results } from './__fixtures__/harness.js';
import { task } from './types.js';
import type { Play } from './types.js';

const play: Play = {
  name: 'p',
  hosts: 'all',
  handlers: [],
  tasks: [task(probe, { waitMs: 300 }, { name: 'slow' }), task(probe, {}, { name: 'next' })],
};

describe('interruption (SIGINT)', () => {
  it('stops scheduling; a command still running after the grace period is aborted and its host is in unknownState', async () => {
    const h = harness({ a: {}, b: {}, c: {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 50);
    // forks 2: a and b start, c waits behind them and must never start. The slow task would take
    // 60 s: the run ends within the test's timeout only because the command was aborted.
    const endless = { ...play, tasks: [task(probe, { waitMs: 60_000 }, { name: 'slow' }), task(probe, {}, { name: 'next' })] };
    const summary = await h.run({ name: 'pb', plays: [endless, { ...endless, name: 'later' }] }, { signal: controller.signal, graceMs: 30, forks: 2 });
    expect(summary.outcome).toBe('interrupted');
    expect(summary.interrupted).toBe('SIGINT');
    expect(summary.unknownState.sort()).toEqual(['a', 'b']);
    expect(results(h.events).sort()).toEqual(['slow@a=failed', 'slow@b=failed']);
    expect(ofType(h.events, 'host.result')[0]?.error?.code).toBe('ABORTED');
    const recap = ofType(h.events, 'recap')[0]!;
    expect(recap.unknownState?.sort()).toEqual(['a', 'b']);
    expect(recap.interrupted).toBe('SIGINT');
    expect(h.events.at(-1)).toMatchObject({ type: 'run.end', outcome: 'interrupted' });
  });

  it('a command that finishes within the grace period completes normally; nothing new starts', async () => {
    const h = harness({ a: {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const summary = await h.run({ name: 'pb', plays: [play] }, { signal: controller.signal, graceMs: 2_000 });
    expect(results(h.events)).toEqual(['slow@a=ok']);
    expect(summary.unknownState).toEqual([]);
    expect(summary.outcome).toBe('interrupted');
    expect(summary.interrupted).toBe('interrupted');
  });

  it('an already aborted signal runs nothing but still reports a recap', async () => {
    const h = harness({ a: {} });
    const summary = await h.run({ name: 'pb', plays: [play] }, { signal: AbortSignal.abort('SIGTERM') });
    expect(results(h.events)).toEqual([]);
    expect(h.fleet.connects).toEqual([]);
    expect(summary).toMatchObject({ outcome: 'interrupted', interrupted: 'SIGTERM' });
  });

  it("twelve hosts in a task at once share one listener on the run's signal (no MaxListenersExceededWarning)", async () => {
    const h = harness(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`h${i}`, {}])));
    let started = 0;
    let mostListeners = 0;
    let allStarted!: () => void;
    const together = new Promise<void>((resolve) => (allStarted = resolve));
    h.fleet.handler = async (_text, { options }) => {
      if (++started === 12) allStarted();
      await together;
      mostListeners = Math.max(mostListeners, getEventListeners(options.signal!, 'abort').length);
      return { exitCode: 0 };
    };
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const summary = await h.run({ name: 'pb', plays: [{ ...play, tasks: [task(probe, { waitMs: 1 }, { name: 'long' })] }] }, { forks: 12 });
      expect(summary.outcome).toBe('ok');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(started).toBe(12);
    expect(mostListeners).toBe(1);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
