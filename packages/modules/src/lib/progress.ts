import type { CommandResult, ModuleContext, RunOptions, ShellCommand } from '@meshbook/engine';

/**
 * Runs a command, passing each complete output line to ctx.progress as it arrives: long work
 * (apt, a command) shows its latest line in the live view instead of looking hung. `mask` rewrites
 * each line first, for tools that print secrets (kubeadm's tokens and keys).
 */
export async function runWithProgress(
  ctx: ModuleContext,
  command: ShellCommand,
  options: RunOptions = {},
  mask: (line: string) => string = (line) => line,
): Promise<CommandResult> {
  const pending = { stdout: '', stderr: '' };
  const result = await ctx.run(command, {
    ...options,
    onOutput: (chunk, stream) => {
      const lines = (pending[stream] + chunk).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) ctx.progress(mask(line.trimEnd()));
    },
  });
  for (const rest of [pending.stdout, pending.stderr]) if (rest.trim()) ctx.progress(mask(rest.trimEnd()));
  return result;
}
