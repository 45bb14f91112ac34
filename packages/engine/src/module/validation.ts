import type { z } from 'zod';

/**
 * One line per zod issue, `prefix.path.to.field: message`: the one way a schema's problems are
 * worded (module params, play vars, inventory variables).
 */
export function zodProblems(error: z.ZodError, prefix?: string): string[] {
  return error.issues.map((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .join('.')
      .replace(/\.\[/g, '[');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/** The problems as an indented list, one `  - ` line each. */
export function formatZodIssues(error: z.ZodError, where: string): string {
  return zodProblems(error, where)
    .map((line) => `  - ${line}`)
    .join('\n');
}
