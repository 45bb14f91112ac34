// Leaks the become password on purpose (in an error message and a change summary) so the CLI
// test can prove that no output path prints it.
import { z } from 'zod';
import { Secret, defineModule, definePlaybook, task } from '@meshbook/engine';

const leaky = defineModule({
  name: 'leaky',
  params: z.object({ text: z.string(), fail: z.boolean() }),
  async gather(_ctx, params) {
    if (params.fail) throw new Error(`sudo said: wrong password ${params.text}`);
    return {};
  },
  plan: (_facts, params) => [{ kind: 'leaky.say', target: 'stdout', summary: `would say ${params.text}`, payload: null }],
  async apply() {},
});

const revealed = (value: unknown) => (value instanceof Secret ? value.reveal() : String(value));

export default definePlaybook({
  name: 'canary',
  plays: [
    {
      name: 'leak',
      hosts: 'all',
      tasks: [
        task(leaky, (h) => ({ text: revealed(h.vars.ansible_become_password), fail: false }), { name: 'say it' }),
        task(leaky, (h) => ({ text: revealed(h.vars.ansible_become_password), fail: true }), { name: 'fail with it' }),
      ],
    },
  ],
});
