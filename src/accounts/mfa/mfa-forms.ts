import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../passwords';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
// A browser's WebAuthn answer, JSON in a hidden field: a few kilobytes at most in practice.
const CREDENTIAL_MAX_LENGTH = 20_000;
const CHECKBOX = ['on', 'true', '1'];

/** The second step with a typed code: from the authenticator app, or a recovery code. */
export class SecondStepCodeForm {
  @Transform(trim)
  @IsString({ message: 'Enter the code.' })
  @MinLength(1, { message: 'Enter the code.' })
  @MaxLength(64, { message: 'That is not a code from your app nor a recovery code.' })
  code!: string;

  @IsOptional()
  @IsIn(CHECKBOX, { message: 'Invalid value.' })
  trust?: string;
}

/** A WebAuthn answer from the browser (posted by public/js/passkeys.js). */
export class PasskeyAnswerForm {
  @IsString({ message: 'Your browser did not send a passkey. Please try again.' })
  @MinLength(2, { message: 'Your browser did not send a passkey. Please try again.' })
  @MaxLength(CREDENTIAL_MAX_LENGTH, { message: 'Your browser did not send a passkey. Please try again.' })
  credential!: string;

  @IsOptional()
  @IsIn(CHECKBOX, { message: 'Invalid value.' })
  trust?: string;

  @IsOptional()
  @IsIn(CHECKBOX, { message: 'Invalid value.' })
  remember?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

/** Confirming an authenticator app with its first code. */
export class TotpActivationForm {
  @Transform(trim)
  @IsString({ message: 'Enter the six-digit code your app shows.' })
  @MinLength(1, { message: 'Enter the six-digit code your app shows.' })
  @MaxLength(64, { message: 'Enter the six-digit code your app shows.' })
  code!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

export class NewPasskeyForm {
  @IsString({ message: 'Your browser did not send a passkey. Please try again.' })
  @MinLength(2, { message: 'Your browser did not send a passkey. Please try again.' })
  @MaxLength(CREDENTIAL_MAX_LENGTH, { message: 'Your browser did not send a passkey. Please try again.' })
  credential!: string;

  @Transform(trim)
  @IsString({ message: 'Name the passkey.' })
  @MinLength(1, { message: 'Name the passkey.' })
  @MaxLength(100, { message: 'Enter at most 100 characters.' })
  name!: string;
}

export class PasskeyNameForm {
  @Transform(trim)
  @IsString({ message: 'Name the passkey.' })
  @MinLength(1, { message: 'Name the passkey.' })
  @MaxLength(100, { message: 'Enter at most 100 characters.' })
  name!: string;
}

/** The password again, before a sensitive change. */
export class PasswordAgainForm {
  @IsString({ message: 'Enter your password.' })
  @MinLength(1, { message: 'Enter your password.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: `Enter at most ${PASSWORD_MAX_LENGTH} characters.` })
  password!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}
