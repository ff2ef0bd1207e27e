import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';

/** Field name → messages, as shown next to form fields and in problem+json `errors`. */
export type FieldErrors = Record<string, string[]>;

export type FormResult<T> =
  { ok: true; value: T } | { ok: false; errors: FieldErrors; values: Record<string, unknown> };

export function fieldErrorsOf(errors: ValidationError[], prefix = ''): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    // Rules of one field may share a message ("Title must be between 3 and 200 characters."): once.
    if (error.constraints) result[field] = [...new Set(Object.values(error.constraints))];
    if (error.children?.length) Object.assign(result, fieldErrorsOf(error.children, field));
  }
  return result;
}

/**
 * Validates a submitted HTML form against a class-validator DTO. On failure the caller re-renders
 * the form with `errors` next to the fields and the submitted `values` (never passwords), status 400.
 */
export async function validateForm<T extends object>(
  dto: new () => T,
  body: unknown,
): Promise<FormResult<T>> {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = plainToInstance(dto, raw);
  const errors = await validate(value, { whitelist: true, forbidUnknownValues: true });
  if (!errors.length) return { ok: true, value };
  const values = Object.fromEntries(
    Object.entries(raw).filter(([key]) => !/password|token|_csrf/i.test(key)),
  );
  return { ok: false, errors: fieldErrorsOf(errors), values };
}

/**
 * The ValidationPipe for JSON endpoints: unknown properties rejected, values transformed to the DTO's
 * types, and failures answered as 400 problem+json with per-field `errors` (see ErrorFilter).
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) =>
      new BadRequestException({ message: 'validation.failed', errors: fieldErrorsOf(errors) }),
  });
}
