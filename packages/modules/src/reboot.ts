import { z } from 'zod';
import { MeshbookError, argv, defineFact, defineModule } from '@meshbook/engine';
import type { Change, ModuleContext, Transport } from '@meshbook/engine';
import { pause } from './lib/pause.js';
import type { DocumentedParams } from './lib/documented-params.js';

/**
 * Which boot the host is in: the kernel's boot id, and when PID 1 started (clock ticks after the
 * kernel booted). A machine that reboots gets a new boot id; a container shares its kernel's, so
 * there only PID 1's start tells a restarted systemd apart. Either changing is a new boot.
 */
export const bootIdentity = defineFact<null, string>({
  name: 'reboot.bootIdentity',
  command: () => argv('sh', '-c', "cat /proc/sys/kernel/random/boot_id && sed 's/.*) //' /proc/1/stat | cut -d' ' -f20"),
  parse: (result) => {
    const [bootId, started] = result.stdout.split('\n');
    if (result.exitCode !== 0 || !bootId || !started) {
      throw new MeshbookError('MODULE_FAILED', `reboot: cannot read the boot id: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
    }
    return `${bootId.trim()}/${started.trim()}`;
  },
});

const DEFAULT_REBOOT_COMMAND = 'if command -v systemctl >/dev/null 2>&1; then exec systemctl reboot; else exec shutdown -r now; fi';

const shellText = z.string().min(1).refine((text) => !text.includes('\0'), 'shell text without NUL bytes');

/** The reboot task's params as written (an interface, so editors show each field's documentation). */
export interface RebootInput {
  /** Shell text that starts the reboot; default `systemctl reboot` (`shutdown -r now` without systemd). Ansible: reboot_command. */
  rebootCommand?: string | undefined;
  /** Shell text run first (drain a node, stop a service); a failure stops the task before the reboot. */
  preRebootCommand?: string | undefined;
  /** Shell text run once the host is back, again and again until it exits 0. Default `whoami`. Ansible: test_command. */
  testCommand?: string | undefined;
  /** Seconds to wait between the pre-reboot command and the reboot. Default 0. Ansible: pre_reboot_delay. */
  preRebootDelaySeconds?: number | undefined;
  /** Seconds to wait after the test command succeeded, before the task ends (services still settling). Default 0. Ansible: post_reboot_delay. */
  postRebootDelaySeconds?: number | undefined;
  /** How long the host may take to be back (a new boot, the test command passing). Default 600. Ansible: reboot_timeout. */
  rebootTimeoutSeconds?: number | undefined;
}

const paramsSchema = z.strictObject({
  rebootCommand: shellText.default(DEFAULT_REBOOT_COMMAND),
  preRebootCommand: shellText.optional(),
  testCommand: shellText.default('whoami'),
  preRebootDelaySeconds: z.number().nonnegative().default(0),
  postRebootDelaySeconds: z.number().nonnegative().default(0),
  rebootTimeoutSeconds: z.number().positive().default(600),
});
const params: DocumentedParams<typeof paramsSchema, RebootInput> = paramsSchema;

export type RebootParams = z.output<typeof paramsSchema>;

export type RebootChange = Change<'reboot.reboot', { bootBefore: string }>;

export interface RebootOutput {
  rebooted: true;
  /** From the reboot command to the test command passing. */
  elapsedSeconds: number;
  bootIdentity: string;
}

/**
 * Reboots the host and waits until it is back in a new boot and the test command passes,
 * reconnecting through the engine (ModuleContext.reconnect: the host's cached facts are dropped). Like Ansible's reboot, it is never idempotent: every run
 * reboots and reports a change (guard it with `when`, e.g. on /run/reboot-required). Check mode
 * reports the reboot and touches nothing.
 */
export const reboot = defineModule({
  name: 'reboot',
  params,
  facts: () => ({ boot: bootIdentity(null) }),
  plan: (facts, params): RebootChange[] => [
    {
      kind: 'reboot.reboot',
      target: 'host',
      summary: `reboot${params.preRebootCommand ? ' (after the pre-reboot command)' : ''}, then wait up to ${params.rebootTimeoutSeconds} s for a new boot`,
      before: `boot ${facts.boot}`,
      after: 'a new boot',
      payload: { bootBefore: facts.boot },
    },
  ],
  apply: (ctx, changes, params) => rebootAndWait(ctx, params, changes[0]!.payload.bootBefore),
});

async function rebootAndWait(ctx: ModuleContext, params: RebootParams, bootBefore: string): Promise<RebootOutput> {
  const reconnect = ctx.reconnect;
  if (!reconnect) {
    throw new MeshbookError('MODULE_FAILED', `reboot: the ${ctx.transport.kind} connection cannot be opened again, so the reboot could not be waited for; nothing was done`, { host: ctx.host });
  }
  if (params.preRebootCommand) await ctx.exec(argv('sh', '-c', params.preRebootCommand));
  await pause(params.preRebootDelaySeconds * 1000, ctx.signal, 'reboot');
  const started = Date.now();
  const deadline = started + params.rebootTimeoutSeconds * 1000;
  await startReboot(ctx, params.rebootCommand);
  // The old system may still answer for a moment: only a connection in a new boot counts as back,
  // so the engine reconnects once (one host.reconnect), however often the old boot answered.
  let boot = bootBefore;
  const stillOldBoot = 'it still runs the boot it had before the reboot command';
  try {
    await reconnect({
      reason: `reboot: waiting for ${ctx.host} in a new boot`,
      timeoutMs: Math.max(1, deadline - Date.now()),
      ready: async (transport) => {
        boot = await readBoot(transport);
        return boot !== bootBefore || stillOldBoot;
      },
    });
  } catch (error) {
    if (error instanceof MeshbookError && error.code === 'TIMEOUT') throw notBack(ctx, params, stillOldBoot);
    throw error;
  }
  for (;;) {
    const test = await ctx.run(argv('sh', '-c', params.testCommand)).catch((error: unknown) => ({ exitCode: -1, stderr: (error as Error).message }));
    if (test.exitCode === 0) break;
    if (Date.now() >= deadline) throw notBack(ctx, params, `the test command still fails: ${test.stderr.trim() || `exit code ${test.exitCode}`}`);
    await pause(1000, ctx.signal, 'reboot');
  }
  const elapsedSeconds = Math.round((Date.now() - started) / 100) / 10;
  await pause(params.postRebootDelaySeconds * 1000, ctx.signal, 'reboot');
  return { rebooted: true, elapsedSeconds, bootIdentity: boot };
}

/**
 * Runs the reboot command. A connection that drops while it runs is the reboot under way; a
 * command that exits non-zero did not reboot, and says why.
 */
async function startReboot(ctx: ModuleContext, command: string): Promise<void> {
  try {
    const result = await ctx.run(argv('sh', '-c', command), { timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      throw new MeshbookError('MODULE_FAILED', `reboot: the reboot command failed (exit code ${result.exitCode}): ${result.stderr.trim()}`, {
        host: ctx.host,
        hint: 'the host was not rebooted; run the task with become (root), or fix rebootCommand',
      });
    }
  } catch (error) {
    // The connection dropped (UNREACHABLE) or the shell was ended under the command (COMMAND_FAILED).
    if (error instanceof MeshbookError && (error.code === 'UNREACHABLE' || error.code === 'COMMAND_FAILED')) return;
    throw error;
  }
}

/** The boot the host is in, read on a new connection (as the login user: /proc is readable to all). */
async function readBoot(transport: Transport): Promise<string> {
  const request = bootIdentity(null);
  return request.fact.parse(await transport.run(request.fact.command(null), { timeoutMs: 30_000 }), null);
}

function notBack(ctx: ModuleContext, params: RebootParams, why: string): MeshbookError {
  return new MeshbookError('TIMEOUT', `reboot: ${ctx.host} was not back within ${params.rebootTimeoutSeconds} s: ${why}`, {
    host: ctx.host,
    hint: 'raise rebootTimeoutSeconds, or look at the host console',
  });
}
