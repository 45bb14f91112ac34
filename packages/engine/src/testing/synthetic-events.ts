import type { HostCounts, MeshbookEvent } from '../events/types.js';

/** A buffer standing in for stdout/stderr in tests. */
export class MemoryStream {
  text = '';
  constructor(readonly isTTY = false, readonly columns = 80) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const T = 1_700_000_000_000;

export function counts(partial: Partial<HostCounts>): HostCounts {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0, rescued: 0, roundTrips: 0, ...partial };
}

/** One play over four hosts touching every status, a loop, a handler and a warning. */
export function syntheticRun(options: { check?: boolean; diff?: boolean } = {}): MeshbookEvent[] {
  const check = options.check ?? false;
  const play = 'base setup';
  return [
    { type: 'run.start', time: T, playbook: 'site.ts', check, diff: options.diff ?? false, hosts: ['web1', 'web2', 'db1', 'gone'] },
    { type: 'play.start', time: T, play, hosts: ['web1', 'web2', 'db1', 'gone'] },
    { type: 'task.start', time: T, play, task: 'sysctl ip_forward', handler: false, hosts: ['web1', 'web2', 'db1', 'gone'] },
    { type: 'host.result', time: T, play, task: 'sysctl ip_forward', host: 'web1', status: 'ok', handler: false, changes: [], durationMs: 12 },
    {
      type: 'host.result', time: T, play, task: 'sysctl ip_forward', host: 'web2', status: 'changed', handler: false,
      changes: [{ kind: 'sysctl.runtime', target: 'net.ipv4.ip_forward', summary: 'net.ipv4.ip_forward: 0 → 1' }],
      ...(options.diff ? { diff: '--- net.ipv4.ip_forward\n+++ net.ipv4.ip_forward\n-0\n+1\n' } : {}),
      knownAfterApply: check ? true : undefined,
      durationMs: 1500,
    },
    {
      type: 'host.result', time: T, play, task: 'sysctl ip_forward', host: 'db1', status: 'failed', handler: false, changes: [],
      error: { code: 'COMMAND_FAILED', message: 'sysctl: permission denied', hint: 'set become: true on the play' }, durationMs: 30,
    },
    {
      type: 'host.result', time: T, play, task: 'sysctl ip_forward', host: 'gone', status: 'unreachable', handler: false, changes: [],
      error: { code: 'UNREACHABLE', message: 'connect ECONNREFUSED' }, durationMs: 5,
    },
    { type: 'task.start', time: T, play, task: 'install packages', handler: false, hosts: ['web1', 'web2'] },
    { type: 'host.progress', time: T, play, task: 'install packages', host: 'web1', line: 'Unpacking curl (8.5.0) ...' },
    { type: 'host.result', time: T, play, task: 'install packages', host: 'web1', status: 'skipped', handler: false, item: 'curl', loop: { index: 0, of: 1 }, changes: [], durationMs: 1 },
    { type: 'host.result', time: T, play, task: 'install packages', host: 'web2', status: 'changed', handler: false, item: 'jq', loop: { index: 0, of: 1 }, changes: [{ kind: 'apt.install', target: 'jq', summary: 'install jq' }], durationMs: 2 },
    { type: 'handler.notified', time: T, play, handler: 'reload sysctl', host: 'web2', check },
    { type: 'warning', time: T, message: 'host db1 has no python; facts are limited', host: 'db1' },
    { type: 'task.start', time: T, play, task: 'reload sysctl', handler: true, hosts: ['web2'] },
    { type: 'host.result', time: T, play, task: 'reload sysctl', host: 'web2', status: 'changed', handler: true, changes: [], durationMs: 3 },
    { type: 'play.end', time: T, play, durationMs: 2000 },
    {
      type: 'recap', time: T, durationMs: 2100,
      hosts: {
        web1: counts({ ok: 1, skipped: 1, roundTrips: 3 }),
        web2: counts({ ok: 3, changed: 3, roundTrips: 5 }),
        db1: counts({ failed: 1, roundTrips: 1 }),
        gone: counts({ unreachable: 1 }),
      },
    },
    { type: 'run.end', time: T, outcome: 'host-failed', durationMs: 2100 },
  ];
}
