import { describe, expect, it, vi } from 'vitest';
import type { MeshbookEvent } from '../events/types.js';
import { registerSecretText } from '../secret.js';
import { HumanReporter } from './human.js';
import { MemoryStream, counts, syntheticRun } from '../testing/synthetic-events.js';

function render(events: MeshbookEvent[], options: { verbosity?: number; tty?: boolean; env?: Record<string, string> } = {}): string {
  const stream = new MemoryStream(options.tty ?? false);
  const reporter = new HumanReporter({ stream, verbosity: options.verbosity ?? 0, env: options.env ?? {} });
  for (const event of events) reporter.handle(event);
  return stream.text;
}

const COLOR_CODE = /\u001b\[\d+m/;
/** The time of the synthetic events. */
const T = 1_700_000_000_000;

describe('HumanReporter', () => {
  it('prints plays, tasks, every host status, handlers, warnings and the recap without colours off a TTY', () => {
    const out = render(syntheticRun());
    expect(out).not.toMatch(COLOR_CODE);
    expect(out).toBe(
      [
        '',
        'PLAY [base setup] **************************************************************',
        '',
        'TASK [sysctl ip_forward] *******************************************************',
        'ok: [web1]',
        'changed: [web2]',
        'failed: [db1] => sysctl: permission denied',
        '  fix: set become: true on the play',
        'unreachable: [gone] => connect ECONNREFUSED',
        '',
        'TASK [install packages] ********************************************************',
        'skipping: [web1] => (item=curl)',
        'changed: [web2] => (item=jq)',
        '[WARNING]: [db1] host db1 has no python; facts are limited',
        '',
        'RUNNING HANDLER [reload sysctl] ************************************************',
        'changed: [web2]',
        '',
        'PLAY RECAP *********************************************************************',
        'web1 : ok=1  changed=0  unreachable=0  failed=0  skipped=1  rescued=0  ignored=0',
        'web2 : ok=3  changed=3  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0',
        'db1  : ok=0  changed=0  unreachable=0  failed=1  skipped=0  rescued=0  ignored=0',
        'gone : ok=0  changed=0  unreachable=1  failed=0  skipped=0  rescued=0  ignored=0',
        '',
      ].join('\n'),
    );
  });

  it('marks check mode: planned changes, known after apply, handlers that would run', () => {
    const out = render(syntheticRun({ check: true }));
    expect(out).toContain('CHECK MODE');
    expect(out).toContain('changed: [web2] (known after apply)\n  ~ net.ipv4.ip_forward: 0 → 1');
    expect(out).toContain('RUNNING HANDLER [reload sysctl] ****');
    expect(out).toContain('would run: [web2]');
  });

  it('prints the rendered diff when the event carries one', () => {
    const out = render(syntheticRun({ diff: true }));
    expect(out).toContain('changed: [web2]\n--- net.ipv4.ip_forward\n+++ net.ipv4.ip_forward\n-0\n+1\nfailed: [db1]');
  });

  it('adds change summaries and round trips at -v, durations and notifications at -vv, error codes at -vvv', () => {
    const v = render(syntheticRun(), { verbosity: 1 });
    expect(v).toContain('changed: [web2]\n  ~ net.ipv4.ip_forward: 0 → 1');
    expect(v).toContain('web2 : ok=3  changed=3  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0  round_trips=5');
    expect(v).toContain('duration: 2.1s');
    expect(v).not.toContain('(1.5s)');
    const vv = render(syntheticRun(), { verbosity: 2 });
    expect(vv).toContain('changed: [web2] (1.5s)');
    expect(vv).toContain('notified: [web2] -> reload sysctl');
    const vvv = render(syntheticRun(), { verbosity: 3 });
    expect(vvv).toContain('failed: [db1] => [COMMAND_FAILED] sysctl: permission denied');
  });

  it('shows progress off a TTY only at -v', () => {
    expect(render(syntheticRun())).not.toContain('Unpacking');
    expect(render(syntheticRun(), { verbosity: 1 })).toContain('  [web1] Unpacking curl (8.5.0) ...\n');
  });

  it('on a TTY, keeps a live view below the output: a line per running host with its last output, then who is waited on', () => {
    vi.useFakeTimers({ now: T + 1500 });
    try {
      const stream = new MemoryStream(true);
      const reporter = new HumanReporter({ stream, env: { NO_COLOR: '1' } });
      const events = syntheticRun();
      const progress = events.findIndex((e) => e.type === 'host.progress');
      for (const event of events.slice(0, progress + 1)) reporter.handle(event);
      expect(stream.text).not.toContain('waiting on');
      vi.advanceTimersByTime(1000);
      for (const event of events.slice(progress + 1)) reporter.handle(event);
      const out = stream.text;
      const view = [
        '  web1  install packages (2.5s): Unpacking curl (8.5.0) ...',
        '  web2  install packages (2.5s)',
        'waiting on 2 hosts: web1, web2',
      ].join('\n');
      // Drawn after the progress line, then cleared (cursor up 3, clear down) before the next result.
      expect(out).toContain(`${view}\n\r\u001b[3A\u001b[Jskipping: [web1]`);
      // web1 is done: the view is redrawn without it.
      expect(out).toContain("skipping: [web1] => (item=curl)\n  web2  install packages (2.5s)\nwaiting on 1 host: web2\n");
      // Nothing of the view is left at the end.
      expect(out.slice(out.lastIndexOf('PLAY RECAP'))).not.toContain('waiting on');
    } finally {
      vi.useRealTimers();
    }
  });

  it('on a TTY, the live view ticks: elapsed times are redrawn every second', () => {
    vi.useFakeTimers({ now: T });
    const stream = new MemoryStream(true);
    const reporter = new HumanReporter({ stream, env: { NO_COLOR: '1' } });
    try {
      reporter.handle({ type: 'task.start', time: T, play: 'p', task: 'apt', handler: false, hosts: ['node1'] });
      vi.advanceTimersByTime(3000);
      expect(stream.text).toContain('  node1  apt (3.0s)\nwaiting on 1 host: node1\n');
    } finally {
      reporter.close();
      vi.useRealTimers();
    }
  });

  it('off a TTY, says every 10 s which hosts a task is still running on, and stops when it ends', () => {
    vi.useFakeTimers({ now: T });
    const stream = new MemoryStream(false);
    const reporter = new HumanReporter({ stream, env: {} });
    try {
      reporter.handle({ type: 'task.start', time: T, play: 'p', task: 'apt', handler: false, hosts: ['node3', 'node7', 'node9'] });
      reporter.handle({ type: 'host.result', time: T, play: 'p', task: 'apt', host: 'node9', status: 'ok', handler: false, changes: [], durationMs: 5 });
      vi.advanceTimersByTime(10_000);
      expect(stream.text).toContain('still running on node3, node7 (10 s)\n');
      reporter.handle({ type: 'host.result', time: T, play: 'p', task: 'apt', host: 'node3', status: 'changed', handler: false, changes: [], durationMs: 5 });
      vi.advanceTimersByTime(30_000);
      expect(stream.text).toContain('still running on node7 (40 s)\n');
      reporter.handle({ type: 'host.result', time: T, play: 'p', task: 'apt', host: 'node7', status: 'ok', handler: false, changes: [], durationMs: 5 });
      const before = stream.text;
      vi.advanceTimersByTime(30_000);
      expect(stream.text).toBe(before);
      expect(stream.text).not.toMatch(/\u001b\[/);
    } finally {
      reporter.close();
      vi.useRealTimers();
    }
  });

  it('a looping task is done on a host at its last item', () => {
    vi.useFakeTimers({ now: T });
    const stream = new MemoryStream(false);
    const reporter = new HumanReporter({ stream, env: {} });
    const item = (index: number): MeshbookEvent => ({
      type: 'host.result', time: T, play: 'p', task: 'pkgs', host: 'a', status: 'ok', handler: false, item: `i${index}`, loop: { index, of: 2 }, changes: [], durationMs: 1,
    });
    try {
      reporter.handle({ type: 'task.start', time: T, play: 'p', task: 'pkgs', handler: false, hosts: ['a'] });
      reporter.handle(item(0));
      vi.advanceTimersByTime(10_000);
      expect(stream.text).toContain('still running on a (10 s)');
      reporter.handle(item(1));
      vi.advanceTimersByTime(10_000);
      expect(stream.text).not.toContain('(20 s)');
    } finally {
      reporter.close();
      vi.useRealTimers();
    }
  });

  it('colours on a TTY unless NO_COLOR is set', () => {
    expect(render(syntheticRun(), { tty: true })).toMatch(COLOR_CODE);
    expect(render(syntheticRun(), { tty: true, env: { NO_COLOR: '1' } })).not.toMatch(COLOR_CODE);
  });

  it('reprints the task header when results of different tasks interleave', () => {
    const play = 'p';
    const result = (task: string, host: string): MeshbookEvent => ({
      type: 'host.result', time: 0, play, task, host, status: 'ok', handler: false, changes: [], durationMs: 1,
    });
    const out = render([result('one', 'a'), result('two', 'b'), result('one', 'c')]);
    expect(out.match(/TASK \[one\]/g)).toHaveLength(2);
  });

  it('shows what describe() adds to a failure (command, exit code, stderr, fix) and marks ignored failures', () => {
    const base = { type: 'host.result', time: 0, play: 'p', task: 't', host: 'h1', handler: false, changes: [], durationMs: 1 } as const;
    const out = render([
      {
        ...base,
        status: 'failed',
        error: { code: 'COMMAND_FAILED', message: 'command failed with exit code 100', hint: 'check the apt sources' },
        message: 'command failed with exit code 100\n  host: h1\n  command: apt-get install -y jq\n  exit code: 100\n  stderr: E: Unable to locate package jq\n  fix: check the apt sources',
      },
      { ...base, host: 'h2', status: 'ok', ignored: true, error: { code: 'MODULE_FAILED', message: 'gate closed' }, message: 'gate closed\n  host: h2' },
    ]);
    expect(out).toContain(
      [
        'failed: [h1] => command failed with exit code 100',
        '  command: apt-get install -y jq',
        '  exit code: 100',
        '  stderr: E: Unable to locate package jq',
        '  fix: check the apt sources',
        'failed: [h2] => gate closed ...ignoring',
        '',
      ].join('\n'),
    );
    expect(out).not.toContain('host: h1');
  });

  it('shows each retried attempt, which attempt settled the task, and a failure a rescue takes over', () => {
    const base = { time: 0, play: 'p', task: 'wait', host: 'h1', handler: false, durationMs: 1 } as const;
    const out = render([
      { ...base, type: 'host.retry', attempt: { number: 1, of: 4 }, status: 'failed', error: { code: 'COMMAND_FAILED', message: 'command failed with exit code 1' }, delaySeconds: 5 },
      { ...base, type: 'host.retry', attempt: { number: 2, of: 4 }, status: 'ok', delaySeconds: 5 },
      { ...base, type: 'host.result', status: 'ok', changes: [], attempt: { number: 3, of: 4 } },
      { ...base, type: 'host.result', task: 'risky', status: 'failed', changes: [], rescue: true, error: { code: 'MODULE_FAILED', message: 'it broke' }, message: 'it broke' },
    ]);
    expect(out).toContain(
      [
        'TASK [wait] ********************************************************************',
        'FAILED - RETRYING: [h1] (attempt 1 of 4, 3 retries left, next in 5.0s) => command failed with exit code 1',
        'FAILED - RETRYING: [h1] (attempt 2 of 4, 2 retries left, next in 5.0s) => until not met (ok)',
        'ok: [h1] (attempt 3 of 4)',
        '',
        'TASK [risky] *******************************************************************',
        'failed: [h1] => it broke ...rescuing',
      ].join('\n'),
    );
  });

  it('shows where a block, its rescue (naming the hosts) and its always begin; -vvv names every part\'s hosts', () => {
    const part = (type: 'block.start' | 'block.rescue' | 'block.always', hosts: string[]): MeshbookEvent => ({ type, time: 0, play: 'p', block: 'install', hosts });
    const result = (task: string, host: string, status: 'ok' | 'failed', rescue = false): MeshbookEvent => ({
      type: 'host.result', time: 0, play: 'p', task, host, status, handler: false, changes: [], durationMs: 1,
      ...(status === 'failed' ? { message: 'it broke', error: { code: 'MODULE_FAILED', message: 'it broke' } } : {}), ...(rescue ? { rescue: true } : {}),
    });
    const events = [
      part('block.start', ['h1', 'h2']),
      result('finish', 'h1', 'failed', true),
      result('finish', 'h2', 'ok'),
      part('block.rescue', ['h1']),
      result('roll back', 'h1', 'ok'),
      part('block.always', ['h1', 'h2']),
      result('report', 'h1', 'ok'),
    ];
    expect(render(events)).toBe(
      [
        '',
        'BLOCK [install]',
        '',
        'TASK [finish] ******************************************************************',
        'failed: [h1] => it broke ...rescuing',
        'ok: [h2]',
        '',
        'RESCUE [install] on h1',
        '',
        'TASK [roll back] ***************************************************************',
        'ok: [h1]',
        '',
        'ALWAYS [install]',
        '',
        'TASK [report] ******************************************************************',
        'ok: [h1]',
        '',
      ].join('\n'),
    );
    const vvv = render(events, { verbosity: 3 });
    expect(vvv).toContain('BLOCK [install] on h1, h2\n');
    expect(vvv).toContain('ALWAYS [install] on h1, h2\n');
  });

  it('names the batch only when the play runs in several', () => {
    const start = (index: number, of: number): MeshbookEvent => ({ type: 'play.start', time: 0, play: 'p', hosts: [], batch: { index, of } });
    expect(render([start(1, 1)])).not.toContain('batch');
    expect(render([start(2, 3)])).toContain('PLAY [p] (batch 2/3) ***');
  });

  it('reports an interrupted run and the hosts left in an unknown state', () => {
    const out = render([
      { type: 'recap', time: 0, durationMs: 10, hosts: { a: counts({ ok: 1 }) }, interrupted: 'SIGINT', unknownState: ['a'] },
    ]);
    expect(out).toContain('INTERRUPTED: SIGINT');
    expect(out).toContain('state unknown on: a');
  });

  it('never prints a known secret even if an event carried it', () => {
    const canary = 'canary-human-5f1e2d';
    registerSecretText(canary);
    const out = render([
      { type: 'warning', time: 0, message: `token ${canary} leaked` },
      { type: 'host.result', time: 0, play: 'p', task: 't', host: 'h', status: 'failed', handler: false, changes: [], error: { code: 'X', message: canary }, durationMs: 1 },
    ]);
    expect(out).not.toContain(canary);
    expect(out).toContain('token *** leaked');
  });

  it('shows transport detail (output dropped as stray) at -vvv only', () => {
    const debug: MeshbookEvent = { type: 'host.debug', time: 0, host: 'web1', message: 'dropped 8 bytes of stdout that arrived outside any command: "started\\x0a"' };
    expect(render([debug], { verbosity: 2 })).toBe('');
    expect(render([debug], { verbosity: 3 })).toBe('  [web1] dropped 8 bytes of stdout that arrived outside any command: "started\\x0a"\n');
  });

  it('says when a host\'s connection was opened again, at every verbosity', () => {
    const event: MeshbookEvent = { type: 'host.reconnect', time: 0, host: 'web1', reason: 'connection to web1 lost: connection closed' };
    expect(render([event])).toBe('[RECONNECTED]: [web1] connection to web1 lost: connection closed; the host lock was taken again and its cached facts dropped\n');
  });

  it('prints terminal control sequences from hosts escaped: stderr, messages, progress, warnings, debug (issue 19, item 14)', () => {
    const hostile = 'x\u001b]0;owned\u0007\u001b[2J\u009b31m\r\u0008y';
    const events: MeshbookEvent[] = [
      { type: 'task.start', time: 0, play: 'p', task: 't', handler: false, hosts: ['h'] },
      { type: 'host.progress', time: 0, play: 'p', task: 't', host: 'h', line: hostile },
      { type: 'host.result', time: 0, play: 'p', task: 't', host: 'h', status: 'failed', handler: false, changes: [], error: { code: 'COMMAND_FAILED', message: `failed ${hostile}`, hint: hostile }, message: `failed ${hostile}\n  stderr: ${hostile}\n  next line`, durationMs: 1 },
      { type: 'warning', time: 0, host: 'h', message: `locked by ${hostile}` },
      { type: 'host.debug', time: 0, host: 'h', message: hostile },
    ];
    for (const tty of [false, true]) {
      const out = render(events, { verbosity: 3, tty });
      // Only the reporter's own colours and live-line control (tty) may be there; nothing from the host.
      const withoutOwn = out.split('\r\u001b[K').join('').replace(/\u001b\[\d+m/g, '');
      expect(withoutOwn).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(out).toContain('x\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\x0d\\x08y');
      expect(out).toContain('  next line');
    }
  });
});
