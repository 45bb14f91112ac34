// Compiled by documented-params.test.ts, which expects an error on exactly the lines that say so
// (this folder is outside the package's build).
import { z } from 'zod';
import type { DocumentedParams } from '../documented-params.js';

const schema = z.strictObject({
  name: z.string(),
  count: z.number().int().default(1),
  note: z.string().optional(),
});

interface Matching {
  name: string;
  count?: number | undefined;
  note?: string | undefined;
}
// expect: no error
export const matching: DocumentedParams<typeof schema, Matching> = schema;

interface LacksNote {
  name: string;
  count?: number | undefined;
}
// expect: the interface lacks the schema's field 'note'
export const lacksNote: DocumentedParams<typeof schema, LacksNote> = schema;
// expect: no error (why DocumentedParams exists: z.ZodType's input side alone lets the field go undocumented)
export const lacksNoteOneWay: z.ZodType<z.output<typeof schema>, LacksNote> = schema;

interface ExtraColour extends Matching {
  colour?: string | undefined;
}
// expect: the schema lacks the interface's field 'colour'
export const extraColour: DocumentedParams<typeof schema, ExtraColour> = schema;
// expect: no error (an extra optional field passes the one-way check too)
export const extraColourOneWay: z.ZodType<z.output<typeof schema>, ExtraColour> = schema;

interface CountAsText {
  name: string;
  count?: string | undefined;
  note?: string | undefined;
}
// expect: field 'count' differs in type or optionality between the schema and the interface
export const countAsText: DocumentedParams<typeof schema, CountAsText> = schema;

interface NameOptional {
  name?: string | undefined;
  count?: number | undefined;
  note?: string | undefined;
}
// expect: field 'name' differs in type or optionality between the schema and the interface
export const nameOptional: DocumentedParams<typeof schema, NameOptional> = schema;

const optionalSchema = schema.optional();
// expect: no error
export const optionalBoth: DocumentedParams<typeof optionalSchema, Matching | undefined> = optionalSchema;
// expect: the params themselves are optional on one side only
export const optionalInSchemaOnly: DocumentedParams<typeof optionalSchema, Matching> = optionalSchema;
