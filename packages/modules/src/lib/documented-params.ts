import type { z } from 'zod';

type Equivalent<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type IsOptional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false;

/** Fields both have whose type or optionality differs. */
type DifferingFields<Schema, Input> = {
  [K in keyof Schema & keyof Input]: Equivalent<Schema[K], Input[K]> extends true
    ? Equivalent<IsOptional<Schema, K>, IsOptional<Input, K>> extends true
      ? never
      : K
    : K;
}[keyof Schema & keyof Input];

/**
 * What parts a schema's input from the interface documenting it, one sentence per field (never
 * when they agree). The fields are compared without `undefined` (a schema with a default of {}
 * takes no params at all), which each side then allows or not alike.
 */
export type ParamsMismatch<Schema, Input> =
  | `the interface lacks the schema's field '${Exclude<keyof NonNullable<Schema>, keyof NonNullable<Input>> & string}'`
  | `the schema lacks the interface's field '${Exclude<keyof NonNullable<Input>, keyof NonNullable<Schema>> & string}'`
  | `field '${DifferingFields<NonNullable<Schema>, NonNullable<Input>> & string}' differs in type or optionality between the schema and the interface`
  | (Equivalent<undefined extends Schema ? true : false, undefined extends Input ? true : false> extends true
      ? never
      : 'the params themselves are optional on one side only (a schema default of {} makes them optional)');

/**
 * A module's params schema typed with the interface that documents its fields (interfaces keep
 * their field comments in the published declarations; zod's inferred types do not):
 *
 *   const params: DocumentedParams<typeof paramsSchema, SysctlInput> = paramsSchema;
 *
 * Checked both ways, unlike z.ZodType's input parameter alone (which lets an interface miss a
 * schema field): a missing field, an extra one, or one whose type or optionality differs makes
 * this type an object whose property names say so, which the schema is not assignable to; tsc
 * fails on that line and names the fields.
 */
export type DocumentedParams<Schema extends z.ZodType, Input> = [ParamsMismatch<z.input<Schema>, Input>] extends [never]
  ? z.ZodType<z.output<Schema>, Input>
  : { [Problem in ParamsMismatch<z.input<Schema>, Input>]: true };
