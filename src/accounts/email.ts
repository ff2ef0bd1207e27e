import { registerDecorator, isEmail, type ValidationOptions } from 'class-validator';

export const EMAIL_MAX_LENGTH = 254;

/** How every e-mail address is stored and looked up (the users table CHECKs it is lower-case). */
export function normalizeEmail(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}

/**
 * Why an address is refused, or undefined when it is fine. Only plain ASCII is accepted: a Cyrillic
 * "а" or a full-width "ａ" looks like a Latin letter, and would let someone register an address
 * that reads the same as another user's. Django and most mail providers make the same choice.
 */
export function emailProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return 'Enter your e-mail address.';
  if (value.length > EMAIL_MAX_LENGTH) {
    return `Enter an e-mail address of at most ${EMAIL_MAX_LENGTH} characters.`;
  }
  const foreign = [...value].find((char) => char < ' ' || char > '~');
  if (foreign) {
    const code = foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return (
      `The e-mail address contains "${foreign}" (U+${code}), which is not a plain ASCII character. ` +
      'Look-alike letters from other alphabets are not accepted: type the address with plain letters.'
    );
  }
  if (!isEmail(value, { allow_utf8_local_part: false, require_tld: true })) {
    return 'Enter a valid e-mail address, like name@example.com.';
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
        defaultMessage: (args) => emailProblem(args?.value) ?? 'Enter a valid e-mail address.',
      },
    });
}
