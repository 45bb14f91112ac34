import { readFile } from 'node:fs/promises';
import HandlebarsModule from 'handlebars';
import { z } from 'zod';
import type { DocumentedParams } from './lib/documented-params.js';
import { MeshbookError, Secret, defineModule } from '@meshbook/engine';
import { absolutePath, fileAttributesShape } from './lib/file-attributes.js';
import type { FileAttributesInput } from './lib/file-attributes.js';
import { applyFile, planFile, validateCommand, fileWrites } from './lib/file-content.js';
import type { DesiredFile, FileChange, WriteOutput } from './lib/file-content.js';
import { DIFF_CONTENT_LIMIT, fileState } from './lib/file-facts.js';
import type { FileState } from './lib/file-facts.js';

export interface TemplateFacts {
  dest: FileState;
  /** The controller template named by `src`, read in gather (so plan stays pure). */
  source: { path: string; text: string } | null;
}

/** The template task's params as written (an interface, so editors show each field's documentation). */
export interface TemplateInput extends FileAttributesInput {
  /** The file to write (absolute). */
  dest: string;
  /** A handlebars template file on the controller (give this or template). */
  src?: string | undefined;
  /** An inline handlebars template. */
  template?: string | undefined;
  /** Template variables; Secret values are rendered in and make the diff masked. */
  vars?: Record<string, unknown> | undefined;
  /** Keep a timestamped copy of the file it replaces. Default false. */
  backup?: boolean | undefined;
  /** false: only create the file when it is absent; an existing one is left alone. Default true. */
  force?: boolean | undefined;
  /** A command checking the new content on the host before it replaces dest: 'visudo -cf %s'. */
  validate?: string | undefined;
  /** A symlink at dest: false (default, as Ansible) replaces the link with the file; true writes through to its target. */
  follow?: boolean | undefined;
}

const templateParamsSchema = z
  .strictObject({
    dest: absolutePath,
    src: z.string().min(1).optional(),
    template: z.string().optional(),
    vars: z.record(z.string(), z.unknown()).default({}),
    ...fileAttributesShape,
    backup: z.boolean().default(false),
    force: z.boolean().default(true),
    validate: validateCommand.optional(),
    follow: z.boolean().default(false),
  })
  .refine((p) => (p.template === undefined) !== (p.src === undefined), {
    message: 'give exactly one of src or template',
    path: ['src'],
  });
const templateParams: DocumentedParams<typeof templateParamsSchema, TemplateInput> = templateParamsSchema;

export type TemplateParams = z.output<typeof templateParams>;

// An isolated instance: helpers registered elsewhere cannot change what templates render. handlebars
// is inlined in the package's bundle (scripts/bundle.mjs), whose files load on demand: a run whose
// playbook has no template task does not load it.
let isolated: typeof HandlebarsModule | undefined;
const handlebars = (): typeof HandlebarsModule => (isolated ??= HandlebarsModule.create());

/**
 * A file rendered on the controller from a handlebars template (strict: an undefined variable is an
 * error naming it, the template and the line; no HTML escaping), then written like copy.
 *
 * Differences from Ansible (README, "File modules: differences from Ansible"):
 * - handlebars, not Jinja2: templates are rendered by the controller's JavaScript engine.
 * - a symbolic mode on a new file edits 0644, as copy.
 */
export const template = defineModule({
  name: 'template',
  params: templateParams,
  facts: (params) => ({ dest: fileState(params.dest, DIFF_CONTENT_LIMIT) }),
  // The controller template named by `src` is read here, so plan stays pure.
  gather: async (_ctx, params, facts): Promise<TemplateFacts> => ({ dest: facts.dest, source: await readTemplate(params.src) }),
  plan: (facts, params): FileChange<'template'>[] =>
    planFile('template', facts.dest, desiredTemplate(facts, params), { force: params.force, backup: params.backup, validate: params.validate, follow: params.follow }),
  apply: (ctx, changes): Promise<WriteOutput> => applyFile(ctx, changes),
  writes: (changes) => fileWrites(changes),
  leaves: (params) => ({ existing: [params.dest] }),
  output: (facts, params): WriteOutput => ({ path: params.dest, sha256: facts.dest.sha256 ?? '' }),
});

async function readTemplate(src: string | undefined): Promise<{ path: string; text: string } | null> {
  if (src === undefined) return null;
  try {
    return { path: src, text: await readFile(src, 'utf8') };
  } catch (error) {
    throw new MeshbookError('BAD_INPUT', `cannot read the template ${src}: ${(error as Error).message}`, { cause: error });
  }
}

function desiredTemplate(facts: TemplateFacts, params: TemplateParams): DesiredFile {
  const name = facts.source?.path ?? 'inline template';
  const text = facts.source?.text ?? params.template ?? '';
  const rendered = renderTemplate(name, text, revealSecrets(params.vars));
  // Rendered again with secrets as ***: if the output differs, a secret is in the file.
  const sensitive = containsSecret(params.vars) && renderTemplate(name, text, params.vars) !== rendered;
  return {
    path: params.dest,
    bytes: Buffer.from(rendered, 'utf8'),
    sensitive,
    attributes: { mode: params.mode, owner: params.owner, group: params.group },
  };
}

// Compiled templates by their text: a task renders its template in plan (twice when vars hold
// secrets), and compiling is most of a render's cost. Bounded: cleared
// when full, for programs that render many different templates.
const compiled = new Map<string, HandlebarsModule.TemplateDelegate>();
function compiledTemplate(text: string): HandlebarsModule.TemplateDelegate {
  let template = compiled.get(text);
  if (!template) {
    if (compiled.size >= 64) compiled.clear();
    template = handlebars().compile(text, { strict: true, noEscape: true });
    compiled.set(text, template);
  }
  return template;
}

/** Renders a handlebars template; errors name the template, the line and (when undefined) the variable. */
export function renderTemplate(name: string, text: string, vars: Record<string, unknown>): string {
  try {
    return compiledTemplate(text)(vars);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    const undefinedVar = /^"(.+)" not defined in .* - (\d+):(\d+)$/s.exec(message);
    if (undefinedVar) {
      // handlebars counts columns from 0; editors count from 1.
      const column = Number(undefinedVar[3]) + 1;
      throw new MeshbookError('BAD_INPUT', `template ${name}: undefined variable "${undefinedVar[1]}" at line ${undefinedVar[2]}, column ${column}`, {
        hint: `add "${undefinedVar[1]}" to the template's vars`,
        cause: error,
      });
    }
    const line = (error as { lineNumber?: number }).lineNumber;
    throw new MeshbookError('BAD_INPUT', `template ${name}${line ? ` (line ${line})` : ''}: ${message}`, { cause: error });
  }
}

function findDeep<T>(value: unknown, match: (v: unknown) => v is T): T | undefined {
  if (match(value)) return value;
  const children = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : [];
  for (const child of children) {
    const found = findDeep(child, match);
    if (found !== undefined) return found;
  }
  return undefined;
}

function containsSecret(value: unknown): boolean {
  return findDeep(value, (v): v is Secret => v instanceof Secret) !== undefined;
}

/** Template variables with every Secret replaced by its text (only for rendering the file). */
function revealSecrets<T>(value: T): T {
  if (value instanceof Secret) return value.reveal() as T;
  if (Array.isArray(value)) return value.map(revealSecrets) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v)])) as T;
  }
  return value;
}
