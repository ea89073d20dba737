import { z } from 'zod/v3';
import { inputError } from '../shared/errors.js';
import type { InputShape, Operation } from './operation.js';

/**
 * An operation's input checked against its schema: the values, defaults applied, or a usage error naming the first
 * field that is wrong (`top_k must be an integer from 1 to 1000`, details.field `top_k`) for the surface to put in
 * its own words. Fields the schema does not name are left out, as zod objects do.
 */
export function parseInput<Shape extends InputShape, Output, Input>(
  operation: Operation<Shape, Output, Input>,
  raw: Record<string, unknown>,
): Input {
  const parsed = z.object(operation.input).safeParse(raw);
  if (parsed.success) return parsed.data as Input;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || 'input';
  throw inputError(field, issue.message);
}
