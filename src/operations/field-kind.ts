import type { z } from 'zod/v3';

/** What a field holds, under its optional/default wrappers: how argv and query strings are turned into it. */
export type FieldKind = 'number' | 'boolean' | 'choice' | 'text';

interface FieldDef {
  typeName: string;
  innerType?: z.ZodTypeAny;
  /** A refinement's schema (ZodEffects). */
  schema?: z.ZodTypeAny;
  defaultValue?: () => unknown;
  values?: readonly string[];
}

const defOf = (schema: z.ZodTypeAny): FieldDef => schema._def as FieldDef;

/** The schema under `.optional()`, `.default()` and refinements. */
function innerOf(schema: z.ZodTypeAny): z.ZodTypeAny {
  let inner = schema;
  for (
    let next = defOf(inner).innerType ?? defOf(inner).schema;
    next;
    next = defOf(inner).innerType ?? defOf(inner).schema
  )
    inner = next;
  return inner;
}

export function fieldKind(schema: z.ZodTypeAny): FieldKind {
  switch (defOf(innerOf(schema)).typeName) {
    case 'ZodNumber':
      return 'number';
    case 'ZodBoolean':
      return 'boolean';
    case 'ZodEnum':
      return 'choice';
    default:
      return 'text';
  }
}

/** The names an enum field takes. */
export const choicesOf = (schema: z.ZodTypeAny): string[] => [...(defOf(innerOf(schema)).values ?? [])];

/** The field's default when it has one (a switch that is on unless turned off). */
export function defaultOf(schema: z.ZodTypeAny): unknown {
  for (let current: z.ZodTypeAny | undefined = schema; current; current = defOf(current).innerType)
    if (defOf(current).typeName === 'ZodDefault') return defOf(current).defaultValue?.();
  return undefined;
}

/** Whether the input may leave the field out. */
export const isOptional = (schema: z.ZodTypeAny): boolean => schema.safeParse(undefined).success;

export const descriptionOf = (schema: z.ZodTypeAny): string => schema.description ?? innerOf(schema).description ?? '';

/**
 * A value given as text (an argv word, a query parameter) as the field's type, when it reads as one: "12" → 12,
 * "true" → true. Anything else stays text, for the schema to refuse with the field's own message.
 */
export function valueFromText(schema: z.ZodTypeAny, text: string): unknown {
  const kind = fieldKind(schema);
  if (kind === 'number' && /^\s*-?\d+(\.\d+)?\s*$/.test(text)) return Number(text);
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
