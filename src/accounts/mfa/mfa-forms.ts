import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { message } from '../../i18n/translator';
import { PASSWORD_MAX_LENGTH } from '../passwords';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
// A browser's WebAuthn answer, JSON in a hidden field: a few kilobytes at most in practice.
const CREDENTIAL_MAX_LENGTH = 20_000;
const CHECKBOX = ['on', 'true', '1'];

// Messages are catalogue keys (src/i18n/locales), translated where they are shown.
const INVALID_VALUE = 'common.invalidValue';
const NO_PASSKEY = 'validation.twoFactor.noPasskey';
const PASSKEY_NAME_REQUIRED = 'validation.twoFactor.namePasskey';
const TOTP_CODE_REQUIRED = 'validation.twoFactor.enterTotpCode';
const passwordTooLong = message('validation.maxChars', { max: PASSWORD_MAX_LENGTH });

/** The second step with a typed code: from the authenticator app, or a recovery code. */
export class SecondStepCodeForm {
  @Transform(trim)
  @IsString({ message: 'validation.twoFactor.enterCode' })
  @MinLength(1, { message: 'validation.twoFactor.enterCode' })
  @MaxLength(64, { message: 'validation.twoFactor.notACode' })
  code!: string;

  @IsOptional()
  @IsIn(CHECKBOX, { message: INVALID_VALUE })
  trust?: string;
}

/** A WebAuthn answer from the browser (posted by public/js/passkeys.js). */
export class PasskeyAnswerForm {
  @IsString({ message: NO_PASSKEY })
  @MinLength(2, { message: NO_PASSKEY })
  @MaxLength(CREDENTIAL_MAX_LENGTH, { message: NO_PASSKEY })
  credential!: string;

  @IsOptional()
  @IsIn(CHECKBOX, { message: INVALID_VALUE })
  trust?: string;

  @IsOptional()
  @IsIn(CHECKBOX, { message: INVALID_VALUE })
  remember?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

/** Confirming an authenticator app with its first code. */
export class TotpActivationForm {
  @Transform(trim)
  @IsString({ message: TOTP_CODE_REQUIRED })
  @MinLength(1, { message: TOTP_CODE_REQUIRED })
  @MaxLength(64, { message: TOTP_CODE_REQUIRED })
  code!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

export class NewPasskeyForm {
  @IsString({ message: NO_PASSKEY })
  @MinLength(2, { message: NO_PASSKEY })
  @MaxLength(CREDENTIAL_MAX_LENGTH, { message: NO_PASSKEY })
  credential!: string;

  @Transform(trim)
  @IsString({ message: PASSKEY_NAME_REQUIRED })
  @MinLength(1, { message: PASSKEY_NAME_REQUIRED })
  @MaxLength(100, { message: 'validation.maxChars|max=100' })
  name!: string;
}

export class PasskeyNameForm {
  @Transform(trim)
  @IsString({ message: PASSKEY_NAME_REQUIRED })
  @MinLength(1, { message: PASSKEY_NAME_REQUIRED })
  @MaxLength(100, { message: 'validation.maxChars|max=100' })
  name!: string;
}

/** The password again, before a sensitive change. */
export class PasswordAgainForm {
  @IsString({ message: 'validation.twoFactor.enterPassword' })
  @MinLength(1, { message: 'validation.twoFactor.enterPassword' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}
