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

/** One line per zod issue about a variable: `variable "name.path": message` (play vars, host.var()). */
export function variableProblems(error: z.ZodError, variable?: string): string[] {
  return error.issues.map((issue) => {
    const path = [...(variable !== undefined ? [variable] : []), ...issue.path.map(String)].join('.') || '(vars)';
    return `variable "${path}": ${issue.message}`;
  });
}

/** The problems as an indented list, one `  - ` line each. */
export function formatZodIssues(error: z.ZodError, where: string): string {
  return zodProblems(error, where)
    .map((line) => `  - ${line}`)
    .join('\n');
}
