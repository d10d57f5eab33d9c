import type { z } from 'zod';
import { InputError } from '../../common/errors';

/** Parses untrusted input; a failure becomes a 400 that names every bad field. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      field: [where, ...issue.path].join('.'),
      message: issue.message,
    }));
    throw new InputError(
      `The request ${where} is not valid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return result.data;
}
