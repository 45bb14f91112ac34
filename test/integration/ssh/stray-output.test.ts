import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sh } from '@meshbook/engine';
import { connectSsh, type SshTransport } from '../../../packages/engine/src/transport/ssh/index.js';
import { fleetSshOptions, useFleet } from '../support/fleet.js';

/**
 * Issue 19, item 1: output a background process writes after its own command ended is never
 * credited to a later command. The background writer below waits until the kept shell starts
 * reading the next command's script (its read count in /proc changes), so its output is written
 * on the host after that command was sent and before the command began: exactly the window in
 * which a parser that takes everything after sending credits it to the wrong command.
 */
const fleet = useFleet({ hosts: 1 });
let transport: SshTransport;
const notices: string[] = [];

beforeAll(async () => {
  transport = await connectSsh(fleetSshOptions(fleet(), 'node1', { onDebug: (message) => notices.push(message) }));
});
afterAll(async () => {
  await transport?.close();
});

/** Starts a writer that prints to the kept shell's stdout and stderr once that shell reads its next script. */
const strayWriter = (text: string) =>
  sh`( r0=$(grep rchar /proc/$$/io); while [ "$(grep rchar /proc/$$/io)" = "$r0" ]; do sleep 0.01; done; echo ${`${text}-out`}; echo ${`${text}-err`} >&2 ) &`;

describe('late output of a background process (issue 19, item 1)', () => {
  it('is not credited to the next command: its stdout and stderr are its own', async () => {
    expect((await transport.run(strayWriter('late'))).exitCode).toBe(0);
    // A few MB of input keep the shell reading the script long after the writer woke up.
    const next = await transport.run(sh`cat >/dev/null; echo mine; echo mine-err >&2`, { stdin: Buffer.alloc(4 << 20, 'x') });
    expect(next).toMatchObject({ stdout: 'mine\n', stderr: 'mine-err\n', exitCode: 0 });
  });

  it('is counted and reported (shown at -vvv), escaped', async () => {
    const before = transport.stats().strayBytes ?? 0;
    await transport.run(strayWriter('counted'));
    await transport.run(sh`cat >/dev/null; echo mine`, { stdin: Buffer.alloc(4 << 20, 'x') });
    await transport.run(sh`true`);
    expect((transport.stats().strayBytes ?? 0) - before).toBe('counted-out\ncounted-err\n'.length);
    expect(notices.join('\n')).toMatch(/counted-out/);
  });
});
