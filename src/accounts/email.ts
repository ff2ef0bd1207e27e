import { registerDecorator, isEmail, type ValidationOptions } from 'class-validator';
import { message } from '../i18n/translator';

export const EMAIL_MAX_LENGTH = 254;

/** How every e-mail address is stored and looked up (the users table CHECKs it is lower-case). */
export function normalizeEmail(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}

/**
 * Why an address is refused, or undefined when it is fine. Only plain ASCII is accepted: a Cyrillic
 * "а" or a full-width "ａ" looks like a Latin letter, and would let someone register an address
 * that reads the same as another user's. Django and most mail providers make the same choice.
 * The reason is a message descriptor (src/i18n/translator.ts: message), translated where shown.
 */
export function emailProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return 'validation.enterEmail';
  if (value.length > EMAIL_MAX_LENGTH) {
    return message('validation.emailTooLong', { max: EMAIL_MAX_LENGTH });
  }
  const foreign = [...value].find((char) => char < ' ' || char > '~');
  if (foreign) {
    const code = foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return message('validation.emailForeignChar', { char: foreign, code });
  }
  if (!isEmail(value, { allow_utf8_local_part: false, require_tld: true })) {
    return 'validation.invalidEmail';
  }
  return undefined;
}

/** class-validator decorator: a storable account e-mail address (use after normalizeEmail). */
export function IsAccountEmail(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAccountEmail',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => emailProblem(value) === undefined,
        defaultMessage: (args) => emailProblem(args?.value) ?? 'validation.invalidEmail',
      },
    });
}
