import { describe, expect, it } from 'vitest';
import { GUARD_PATH_LIMIT, PrefetchGuards } from './prefetch-guards.js';

describe('PrefetchGuards', () => {
  it('a read gets the paths the tasks before it leave existing, not those after', () => {
    const guards = new PrefetchGuards();
    guards.task({ existing: ['/etc/a'] }, undefined);
    const guard = guards.guardFor(undefined);
    guards.task({ existing: ['/etc/b'] }, undefined);
    guards.finish();
    expect(guard.exist).toEqual(['/etc/a']);
  });

  it('only paths left by tasks running as the read\'s user, absolute, each once', () => {
    const guards = new PrefetchGuards();
    guards.task({ existing: ['/etc/a', 'relative', '/etc/a'] }, undefined);
    guards.task({ existing: ['/home/app/x'] }, { user: 'app' });
    const asRoot = guards.guardFor(undefined);
    const asApp = guards.guardFor({ user: 'app' });
    guards.finish();
    expect(asRoot.exist).toEqual(['/etc/a']);
    expect(asApp.exist).toEqual(['/home/app/x']);
  });

  it('never a path at or under one any task of the play leaves absent; its parent stays', () => {
    const guards = new PrefetchGuards();
    guards.task({ existing: ['/srv', '/srv/app', '/srv/app/conf', '/srv/application'] }, undefined);
    const guard = guards.guardFor(undefined);
    guards.task({ absent: ['/srv/app/'] }, undefined);
    guards.finish();
    expect(guard.exist).toEqual(['/srv', '/srv/application']);
  });

  it('a task that may leave paths absent, unknown here, leaves every guard empty', () => {
    const guards = new PrefetchGuards();
    guards.task({ existing: ['/etc/a'] }, undefined);
    const guard = guards.guardFor(undefined);
    guards.unknownTask();
    guards.finish();
    expect(guard.exist).toEqual([]);
  });

  it('at most GUARD_PATH_LIMIT paths, the nearest earlier tasks\'', () => {
    const guards = new PrefetchGuards();
    for (let i = 0; i < GUARD_PATH_LIMIT + 5; i++) guards.task({ existing: [`/p/${i}`] }, undefined);
    const guard = guards.guardFor(undefined);
    guards.finish();
    expect(guard.exist).toHaveLength(GUARD_PATH_LIMIT);
    expect(guard.exist.at(-1)).toBe(`/p/${GUARD_PATH_LIMIT + 4}`);
    expect(guard.exist[0]).toBe('/p/5');
  });
});
