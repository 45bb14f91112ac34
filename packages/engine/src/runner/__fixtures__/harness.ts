import { z } from 'zod';
import { sh } from '../../command.js';
import { MeshbookError } from '../../errors.js';
import { waitUnlessAborted } from '../../on-abort.js';
import { EventBus } from '../../events/bus.js';
import type { MeshbookEvent } from '../../events/types.js';
import { defineModule } from '../../module/contract.js';
import type { Vars } from '../../inventory/types.js';
import type { Playbook } from '../types.js';
import { runPlaybook } from '../run-playbook.js';
import type { RunPlaybookOptions } from '../options.js';
import { FakeHosts, fakeInventory } from '../../testing/index.js';

/** Every apply any fake module ran: the check-mode tests assert this stays empty. */
export const applied: Array<{ module: string; host: string; detail: string }> = [];

/** A key/value "file" module on a FakeTransport: gather reads the file, apply writes it. */
export const setting = defineModule({
  name: 'setting',
  params: z.object({ path: z.string(), value: z.string() }),
  async gather(ctx, params) {
    const current = await ctx.get(params.path).then((b) => b.toString('utf8'), () => null);
    return { current };
  },
  plan(facts, params) {
    return facts.current === params.value
      ? []
      : [
          {
            kind: 'setting.value',
            target: params.path,
            summary: `${params.path}: ${facts.current ?? '(absent)'} → ${params.value}`,
            before: facts.current,
            after: params.value,
            payload: { path: params.path, value: params.value },
          },
        ];
  },
  async apply(ctx, changes) {
    const { path, value } = changes[0]!.payload;
    applied.push({ module: 'setting', host: ctx.host, detail: path });
    await ctx.put(path, value);
    return { written: path };
  },
});

/** Runs a shell command (always a change), like Ansible's command module; output is its stdout. */
export const command = defineModule({
  name: 'command',
  params: z.object({ cmd: z.string(), secretArg: z.unknown().optional() }),
  async gather() {
    return {};
  },
  plan(_facts, params) {
    return [{ kind: 'command.run', target: params.cmd, summary: `run ${params.cmd}`, payload: { cmd: params.cmd } }];
  },
  async apply(ctx, changes) {
    const { cmd } = changes[0]!.payload;
    applied.push({ module: 'command', host: ctx.host, detail: cmd });
    const result = await ctx.exec(sh`${sh.raw(cmd)}`);
    return { stdout: result.stdout.trim() };
  },
});

/** Never changes anything; its gather can be told to fail or wait, to test the runner around it. */
export const probe = defineModule({
  name: 'probe',
  params: z.object({ fail: z.boolean().default(false), waitMs: z.number().default(0), message: z.string().default('probe failed') }),
  async gather(ctx, params) {
    if (params.waitMs > 0) await ctx.run(sh`sleep ${params.waitMs}`);
    if (params.fail) throw new MeshbookError('MODULE_FAILED', params.message, { host: ctx.host });
    return { host: ctx.host };
  },
  plan() {
    return [];
  },
  async apply() {
    throw new Error('probe never applies');
  },
  output(facts) {
    return facts;
  },
});

export interface Harness {
  fleet: FakeHosts;
  events: MeshbookEvent[];
  options: RunPlaybookOptions;
  run(playbook: Playbook, extra?: Partial<RunPlaybookOptions>): ReturnType<typeof runPlaybook>;
}

/**
 * A fake fleet whose commands `sleep N` wait N ms (abortable) and other commands echo their
 * text; events are collected in order.
 */
export function harness(hosts: Record<string, Vars>, groups: Record<string, string[]> = {}, options: Partial<RunPlaybookOptions> = {}): Harness {
  const fleet = new FakeHosts({
    handler: async (text, { options: runOptions }) => {
      const sleep = /^sleep '?(\d+)'?$/.exec(text);
      if (sleep) {
        await abortableDelay(Number(sleep[1]), runOptions.signal);
        return { exitCode: 0 };
      }
      return { stdout: `ran: ${text}\n` };
    },
  });
  const events: MeshbookEvent[] = [];
  const bus = new EventBus();
  bus.subscribe((e) => events.push(e));
  const base: RunPlaybookOptions = { inventory: fakeInventory(hosts, groups), connect: fleet.connect, events: bus, ...options };
  return {
    fleet,
    events,
    options: base,
    run: (playbook, extra = {}) => runPlaybook(playbook, { ...base, ...extra }),
  };
}

async function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!(await waitUnlessAborted(ms, signal))) throw new MeshbookError('ABORTED', 'command aborted');
}

/** host.result events, as `task@host=status` strings. */
export function results(events: readonly MeshbookEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'host.result' ? [`${e.task}@${e.host}=${e.status}${e.item !== undefined ? `[${e.item}]` : ''}`] : []));
}

export function ofType<T extends MeshbookEvent['type']>(events: readonly MeshbookEvent[], type: T): Array<Extract<MeshbookEvent, { type: T }>> {
  return events.filter((e): e is Extract<MeshbookEvent, { type: T }> => e.type === type);
}
