import { describe, expect, it } from 'vitest';
import { describePlanFixtures } from './testing/plan-fixtures.js';
import { conditionMet, waitFor, type WaitOutcome } from './wait-for.js';

const met = (extra: Partial<WaitOutcome> = {}): WaitOutcome => ({ met: true, elapsedSeconds: 1.2, last: undefined, match: undefined, ...extra });
const timedOut = (extra: Partial<WaitOutcome> = {}): WaitOutcome => ({ met: false, elapsedSeconds: 30, last: undefined, match: undefined, ...extra });

describePlanFixtures(
  waitFor,
  [
    { name: 'a port that opened: nothing to change (waitFor never changes the host)', params: { port: 8080 }, facts: met(), changes: [] },
    { name: 'a file that appeared with the text searched for', params: { path: '/var/log/app.log', searchRegex: 'ready' }, facts: met({ match: 'ready' }), changes: [] },
    { name: 'a plain sleep', params: { timeoutSeconds: 2 }, facts: met(), changes: [] },
  ],
  [
    { name: 'a port and a path at once', params: { port: 22, path: '/tmp/x' }, error: /waitFor\.path: port and path exclude each other/ },
    { name: 'searchRegex without a path', params: { port: 22, searchRegex: 'SSH' }, error: /waitFor\.searchRegex: searchRegex needs a path/ },
    { name: 'a regular expression that does not compile', params: { path: '/tmp/x', searchRegex: '(' }, error: /waitFor\.searchRegex: a valid regular expression/ },
    { name: 'a relative path', params: { path: 'tmp/x' }, error: /waitFor\.path/ },
    { name: "Ansible's drained state (not supported)", params: { port: 22, state: 'drained' }, error: /waitFor\.state/ },
    { name: 'a port out of range', params: { port: 70000 }, error: /waitFor\.port/ },
    { name: 'a host with shell characters', params: { port: 80, host: 'a;b' }, error: /waitFor\.host/ },
  ],
);

describe('waitFor plan on a timed-out wait', () => {
  it('fails naming what was waited for, how long, and the last attempt', () => {
    const params = waitFor.parse({ port: 8080, timeoutSeconds: 30 });
    expect(() => waitFor.definition.plan(timedOut({ last: { kind: 'port', open: false, detail: 'node1 cannot connect to 127.0.0.1:8080: Connection refused' } }), params)).toThrow(
      'waitFor: timed out after 30 s waiting for port 8080 on 127.0.0.1 to accept connections (last attempt: node1 cannot connect to 127.0.0.1:8080: Connection refused)',
    );
    expect(() => waitFor.definition.plan(timedOut(), waitFor.parse({ path: '/run/app.pid', state: 'absent' }))).toThrow('waiting for /run/app.pid to be absent');
    expect(() => waitFor.definition.plan(timedOut(), waitFor.parse({ path: '/l', searchRegex: 'up$' }))).toThrow('waiting for /l to match /up$/');
  });

  it('msg replaces the message', () => {
    expect(() => waitFor.definition.plan(timedOut(), waitFor.parse({ port: 80, msg: 'the web server never came up' }))).toThrow(/^the web server never came up$/);
  });
});

describe('waitFor conditions', () => {
  const port = (state: string) => waitFor.parse({ port: 80, state }).condition;
  const path = (params: object) => waitFor.parse({ path: '/f', ...params }).condition;
  it('started/present and stopped/absent mean the same for a port', () => {
    const open = { kind: 'port', open: true, detail: '' } as const;
    const closed = { kind: 'port', open: false, detail: '' } as const;
    expect([port('started'), port('present')].map((c) => conditionMet(c, open).met)).toEqual([true, true]);
    expect([port('stopped'), port('absent')].map((c) => conditionMet(c, closed).met)).toEqual([true, true]);
    expect(conditionMet(port('started'), closed).met).toBe(false);
  });

  it('a path is present, absent, or present with matching content (multiline)', () => {
    const file = (content: string | undefined) => ({ kind: 'path', exists: true, content }) as const;
    const none = { kind: 'path', exists: false, content: undefined } as const;
    expect(conditionMet(path({}), file(undefined)).met).toBe(true);
    expect(conditionMet(path({}), none).met).toBe(false);
    expect(conditionMet(path({ state: 'absent' }), none).met).toBe(true);
    expect(conditionMet(path({ searchRegex: '^ready$' }), file('starting\nready\n'))).toEqual({ met: true, match: 'ready' });
    expect(conditionMet(path({ searchRegex: '^ready$' }), file('starting\n')).met).toBe(false);
    expect(conditionMet(path({ searchRegex: 'lock', state: 'absent' }), file('free\n')).met).toBe(true);
  });
});
