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
  mask: (line: string, stream: 'stdout' | 'stderr') => string = (line) => line,
): Promise<CommandResult> {
  const pending = { stdout: '', stderr: '' };
  const show = (line: string, stream: 'stdout' | 'stderr') => {
    if (!line.trim()) return;
    const shown = mask(line.trimEnd(), stream);
    if (shown.trim()) ctx.progress(shown);
  };
  const result = await ctx.run(command, {
    ...options,
    onOutput: (chunk, stream) => {
      const lines = (pending[stream] + chunk).split('\n');
      pending[stream] = lines.pop() ?? '';
      for (const line of lines) show(line, stream);
    },
  });
  show(pending.stdout, 'stdout');
  show(pending.stderr, 'stderr');
  return result;
}
