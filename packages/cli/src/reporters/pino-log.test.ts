import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerSecretText } from '@meshbook/engine';
import { createPinoLogReporter } from './pino-log.js';
import { syntheticRun } from '@meshbook/engine/testing';

function logLines(path: string): Array<{ level: number; msg: string; event: { type: string; status?: string } }> {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

describe('pino log reporter', () => {
  it('logs every event with mapped levels and is complete once closed', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'meshbook-log-')), 'nested', 'run.log');
    const reporter = createPinoLogReporter({ path, verbosity: 1 });
    const events = syntheticRun();
    for (const event of events) reporter.listener(event);
    reporter.close();
    const lines = logLines(path);
    expect(lines.map((l) => l.msg)).toEqual(events.map((e) => e.type));
    const levelOfHost = (host: string) => lines.find((l) => l.event.type === 'host.result' && (l.event as { host?: string }).host === host)?.level;
    expect(levelOfHost('db1')).toBe(50); // error
    expect(levelOfHost('gone')).toBe(40); // warn
    expect(levelOfHost('web1')).toBe(30); // info
  });

  it('leaves debug events out at verbosity 0', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'meshbook-log-')), 'run.log');
    const reporter = createPinoLogReporter({ path });
    for (const event of syntheticRun()) reporter.listener(event);
    reporter.close();
    const types = logLines(path).map((l) => l.msg);
    expect(types).not.toContain('host.progress');
    expect(types).toContain('recap');
  });

  it('never writes a secret to the file', () => {
    const canary = 'canary-pino-3c4d5e';
    registerSecretText(canary);
    const path = join(mkdtempSync(join(tmpdir(), 'meshbook-log-')), 'run.log');
    const reporter = createPinoLogReporter({ path });
    reporter.listener({ type: 'warning', time: 0, message: `token=${canary}` });
    reporter.listener({
      type: 'host.result', time: 0, play: 'p', task: 't', host: 'h', status: 'failed', handler: false, changes: [],
      error: { code: 'COMMAND_FAILED', message: `kubeadm join --token ${canary}` }, durationMs: 1,
    });
    reporter.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(canary);
    expect(text).toContain('token=***');
  });
});
