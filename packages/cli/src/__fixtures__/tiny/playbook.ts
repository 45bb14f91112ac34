// A tiny playbook for the CLI tests: a marker-file module on the local connection, a handler, a
// task that fails on request and one that sleeps on request. Output goes under -e out_dir=...
import { z } from 'zod';
import { defineFact, defineModule, definePlaybook, handler, sh, task } from '@meshbook/engine';
import type { HostContext } from '@meshbook/engine';

const fileText = defineFact<string, string | null>({
  name: 'marker.text',
  command: (path) => sh`cat ${path}`,
  parse: (read) => (read.exitCode === 0 ? read.stdout : null),
});

const marker = defineModule({
  name: 'marker',
  params: z.object({ path: z.string(), content: z.string() }),
  facts: (params) => ({ current: fileText(params.path) }),
  plan(facts, params) {
    if (facts.current === params.content) return [];
    const { path, content } = params;
    return [{ kind: 'marker.content', target: path, summary: `write ${path}`, content: { path, before: facts.current, after: content }, payload: { path, content } }];
  },
  async apply(ctx, changes) {
    for (const { payload } of changes) await ctx.put(payload.path, payload.content);
  },
});

/** Fails in gather when asked to; never changes anything. */
const gate = defineModule({
  name: 'gate',
  params: z.object({ fail: z.boolean(), seconds: z.number() }),
  async gather(ctx, params) {
    if (params.seconds > 0) await ctx.exec(sh`sleep ${params.seconds}`);
    if (params.fail) throw new Error(`gate closed on ${ctx.host}`);
    return {};
  },
  plan: () => [],
  async apply() {},
});

const outDir = (h: HostContext) => h.var('out_dir', z.string());

export default definePlaybook({
  name: 'tiny',
  plays: [
    {
      name: 'mark web hosts',
      hosts: 'web',
      tasks: [
        task(gate, (h) => ({ fail: h.vars.fail_on === h.name, seconds: Number(h.vars.sleep_seconds ?? 0) }), { name: 'gate', tags: ['gate'] }),
        task(marker, (h) => ({ path: `${outDir(h)}/${h.name}.txt`, content: `hello ${h.name}\n` }), {
          name: 'write marker',
          tags: ['marker'],
          notify: ['announce'],
        }),
      ],
      handlers: [handler('announce', marker, (h) => ({ path: `${outDir(h)}/${h.name}.announced`, content: 'yes\n' }))],
    },
    { name: 'check db', hosts: 'db', tasks: [task(gate, { fail: false, seconds: 0 }, { name: 'db gate', tags: ['db'] })] },
  ],
});
