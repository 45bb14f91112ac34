import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { argv, quote } from './command.js';

describe('quote', () => {
  it('quotes a word that a shell would read as an assignment (NAME=value), so a first word is never one (issue 19, item 11)', () => {
    expect(quote('PATH=/tmp/x')).toBe("'PATH=/tmp/x'");
    expect(quote('_X1=')).toBe("'_X1='");
    // Not assignments: left as they are.
    expect(quote('key=value'.replace('k', '1'))).toBe('1ey=value');
    expect(quote('--opt=1')).toBe('--opt=1');
    expect(quote('net.ipv4.ip_forward=1')).toBe('net.ipv4.ip_forward=1');
  });

  it('in a real sh, argv("PATH=/tmp/x", "ls") runs a program of that name (not found), never ls', () => {
    const run = spawnSync('/bin/sh', ['-c', argv('PATH=/nonexistent', 'echo', 'ran').text], { encoding: 'utf8' });
    expect(run.status).toBe(127);
    expect(run.stdout).toBe('');
    expect(execFileSync('/bin/sh', ['-c', argv('env', 'A=b=c', 'sh', '-c', 'printf %s "$A"').text], { encoding: 'utf8' })).toBe('b=c');
  });
});
