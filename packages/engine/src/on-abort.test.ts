import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onAbort, waitUnlessAborted } from './on-abort.js';

const listenersOn = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('onAbort', () => {
  it('fifty waiters on one signal: one listener on it, each waiter called once at the abort, none left after', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 50; i++) onAbort(controller.signal, () => calls.push(i));
    expect(listenersOn(controller.signal)).toBe(1);
    controller.abort();
    expect(calls).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(listenersOn(controller.signal)).toBe(0);
  });

  it('a wait that ended is not called; the last one to end removes the listener, and a new wait adds it again', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const stopA = onAbort(controller.signal, () => calls.push('a'));
    const stopB = onAbort(controller.signal, () => calls.push('b'));
    stopA();
    stopA();
    expect(listenersOn(controller.signal)).toBe(1);
    stopB();
    expect(listenersOn(controller.signal)).toBe(0);
    onAbort(controller.signal, () => calls.push('c'));
    expect(listenersOn(controller.signal)).toBe(1);
    controller.abort();
    expect(calls).toEqual(['c']);
  });

  it('the same function waiting twice is two waits, ended one by one', () => {
    const controller = new AbortController();
    let calls = 0;
    const listener = () => calls++;
    const first = onAbort(controller.signal, listener);
    onAbort(controller.signal, listener);
    first();
    controller.abort();
    expect(calls).toBe(1);
  });

  it('an already aborted signal or none: never called, nothing added', () => {
    let calls = 0;
    const aborted = AbortSignal.abort();
    onAbort(aborted, () => calls++)();
    onAbort(undefined, () => calls++)();
    expect(listenersOn(aborted)).toBe(0);
    expect(calls).toBe(0);
  });

  it('a throwing waiter does not keep the others from being called', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    const previous = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      onAbort(controller.signal, () => {
        throw new Error('waiter failed');
      });
      onAbort(controller.signal, () => calls.push('second'));
      controller.abort();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', onUncaught);
      for (const listener of previous) process.on('uncaughtException', listener);
    }
    expect(calls).toEqual(['second']);
    expect(uncaught).toEqual([new Error('waiter failed')]);
  });
});

describe('waitUnlessAborted', () => {
  it('true when the time is up, false at the abort or when already aborted, and no listener left either way', async () => {
    const controller = new AbortController();
    expect(await waitUnlessAborted(5, controller.signal)).toBe(true);
    const waiting = waitUnlessAborted(60_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(listenersOn(controller.signal)).toBe(0);
    expect(await waitUnlessAborted(60_000, controller.signal)).toBe(false);
  });
});
