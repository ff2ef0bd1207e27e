import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { LANGUAGES } from '../../i18n/languages';
import { message } from '../../i18n/translator';
import { IsAccountEmail, normalizeEmail } from '../email';
import { PASSWORD_MAX_LENGTH } from '../passwords';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
// Names are shown to other people: NFKC folds compatibility forms, control characters go.
const cleanName = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .normalize('NFKC')
        .replace(/\p{Cc}/gu, '')
        .trim()
    : value;

// Messages are catalogue keys (src/i18n/locales), translated where they are shown.
const PASSWORD_REQUIRED = 'validation.enterPassword';
const passwordTooLong = message('validation.maxChars', { max: PASSWORD_MAX_LENGTH });

export class SignupForm {
  @Transform(({ value }) => normalizeEmail(value))
  @IsAccountEmail()
  email!: string;

  @Transform(cleanName)
  @IsString({ message: 'validation.enterName' })
  @MinLength(1, { message: 'validation.enterName' })
  @MaxLength(150, { message: 'validation.maxChars|max=150' })
  displayName!: string;

  @IsString({ message: PASSWORD_REQUIRED })
  @MinLength(1, { message: PASSWORD_REQUIRED })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password!: string;

  @IsString({ message: 'validation.enterPasswordAgain' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password2!: string;
}

export class LoginForm {
  @Transform(({ value }) => normalizeEmail(value))
  @IsAccountEmail()
  email!: string;

  @IsString({ message: PASSWORD_REQUIRED })
  @MinLength(1, { message: PASSWORD_REQUIRED })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password!: string;

  @IsOptional()
  @IsIn(['on', 'true', '1'], { message: 'common.invalidValue' })
  remember?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

export class PasswordResetRequestForm {
  @Transform(({ value }) => normalizeEmail(value))
  @IsAccountEmail()
  email!: string;
}

export class SetPasswordForm {
  @IsString({ message: PASSWORD_REQUIRED })
  @MinLength(1, { message: PASSWORD_REQUIRED })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password!: string;

  @IsString({ message: 'validation.enterPasswordAgain' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password2!: string;
}

export class ChangePasswordForm extends SetPasswordForm {
  @IsString({ message: 'validation.enterCurrentPassword' })
  @MinLength(1, { message: 'validation.enterCurrentPassword' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  currentPassword!: string;
}

export class ProfileForm {
  @Transform(cleanName)
  @IsString({ message: 'validation.enterName' })
  @MinLength(1, { message: 'validation.enterName' })
  @MaxLength(150, { message: 'validation.maxChars|max=150' })
  displayName!: string;

  /** Empty: the browser's language. */
  @IsOptional()
  @IsIn(['', ...LANGUAGES], { message: 'validation.chooseLanguage' })
  language?: string;
}

export class ApiTokenForm {
  @Transform(trim)
  @IsString({ message: 'validation.nameToken' })
  @MinLength(1, { message: 'validation.nameToken' })
  @MaxLength(100, { message: 'validation.maxChars|max=100' })
  name!: string;
}
