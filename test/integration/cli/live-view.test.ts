import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, meshbook } from '../support/cli.js';
import { useFleet } from '../support/fleet.js';
import { shellQuote, useWorkDir, writeInventory } from '../faults/harness.js';

/**
 * Issue 13's live view, as a user sees it: in a terminal (a pseudo-terminal from `script`), a line
 * per running host with the command's latest output and "waiting on N hosts"; off a terminal, a
 * "still running" line every 10 s; with --json, neither.
 */
const fleet = useFleet({ hosts: 2 });
const workDir = useWorkDir();
const PLAYBOOK = join(REPO_ROOT, 'test/integration/cli/fixtures/progress.ts');
const BIN = join(REPO_ROOT, 'packages/cli/bin/meshbook.js');

/** `meshbook run` inside a pseudo-terminal: everything it drew, escape sequences included. */
function inTerminal(args: string[]): Promise<{ exitCode: number; screen: string }> {
  const commandLine = [process.execPath, BIN, 'run', PLAYBOOK, ...args].map(shellQuote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qfec', commandLine, '/dev/null'], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      resolve({ exitCode: error ? Number(error.code ?? 1) : 0, screen: stdout });
    });
  });
}

describe('the live view of a long task', () => {
  it('in a terminal: one line per running host with its latest output, and who is waited on', async () => {
    const inventory = await writeInventory(fleet(), workDir(), { vars: { steps: 4 } });
    const { exitCode, screen } = await inTerminal(['-i', inventory]);
    expect(exitCode, screen).toBe(0);
    expect(screen).toMatch(/waiting on 2 hosts: node1, node2/);
    expect(screen).toMatch(/ {2}node1 +long command \(\d+\.\ds\): step \d on /);
    // Redrawn in place: cursor up over the view, clear down.
    expect(screen).toMatch(/\u001b\[\d+A\u001b\[J/);
    // And gone once the task is done: nothing of it after the recap.
    expect(screen.slice(screen.lastIndexOf('PLAY RECAP'))).not.toMatch(/waiting on/);
  });

  it('off a terminal: "still running on ..." every 10 s; --json stays quiet', async () => {
    const inventory = await writeInventory(fleet(), workDir(), { vars: { steps: 12 } });
    const plain = await meshbook(['run', PLAYBOOK, '-i', inventory]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/still running on node1, node2 \(10 s\)\n/);
    expect(plain.stdout).not.toMatch(/\u001b\[/);
    const json = await meshbook(['run', PLAYBOOK, '-i', inventory, '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.stdout).not.toContain('still running');
    expect(json.events.filter((e) => e.type === 'host.progress').length).toBeGreaterThanOrEqual(24);
  });
});
