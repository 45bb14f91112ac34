import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MeshbookError } from '../errors.js';
import { defineModule } from '../module/contract.js';
import { secret } from '../secret.js';
import { harness, ofType } from './__fixtures__/harness.js';
import type { HostOutput } from './options.js';
import { task } from './types.js';

describe('onHostOutput', () => {
  it("gives each host's module output and a failure's exit code and output, redacted, after its host.result", async () => {
    const token = secret('host-output-token-5521');
    const talks = defineModule({
      name: 'talks',
      params: z.object({}),
      plan: () => [{ kind: 'talks.say', target: 'x', summary: 'say', payload: null }],
      apply: async (ctx) => {
        if (ctx.host === 'b') {
          throw new MeshbookError('COMMAND_FAILED', 'command failed with exit code 4', { host: ctx.host, exitCode: 4, stdout: 'out\n', stderr: `err ${token.reveal()}\n` });
        }
        return { said: `token=${token.reveal()}` };
      },
    });
    const h = harness({ a: {}, b: {} });
    const outputs: HostOutput[] = [];
    const resultsBefore: number[] = [];
    await h.run(
      { name: 'pb', plays: [{ name: 'p', hosts: 'all', tasks: [task(talks, {}, { name: 't' })] }] },
      {
        onHostOutput: (output) => {
          outputs.push(output);
          resultsBefore.push(ofType(h.events, 'host.result').filter((e) => e.host === output.host).length);
        },
      },
    );
    const byHost = Object.fromEntries(outputs.map((o) => [o.host, o]));
    expect(byHost.a).toMatchObject({ play: 'p', task: 't', status: 'changed', output: { said: 'token=***' } });
    expect(byHost.b).toMatchObject({ status: 'failed', error: { code: 'COMMAND_FAILED', exitCode: 4, stdout: 'out\n', stderr: 'err ***\n' } });
    expect(resultsBefore).toEqual([1, 1]);
    expect(JSON.stringify(outputs)).not.toContain(token.reveal());
    // Not an event: the events stay as without it.
    expect(JSON.stringify(h.events)).not.toContain('said');
  });
});
