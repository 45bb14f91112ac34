import type { z } from 'zod';

/** One line per zod issue: `where.path.to.field: message (expected …)`. */
export function formatZodIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((issue) => {
      const path = [where, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
        .join('.')
        .replace(/\.\[/g, '[');
      return `  - ${path}: ${issue.message}`;
    })
    .join('\n');
}
