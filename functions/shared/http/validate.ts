import type * as z from 'zod';
import { type FieldError, ValidationError } from '../errors.ts';

/** Validates one part of the request; field errors are prefixed with the part (`body.email`). */
export function validatePart<T extends z.ZodType>(schema: T, value: unknown, part: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(errors);
}
