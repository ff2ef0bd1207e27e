import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
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

const PASSWORD_REQUIRED = 'Enter a password.';
const passwordTooLong = `Enter at most ${PASSWORD_MAX_LENGTH} characters.`;

export class SignupForm {
  @Transform(({ value }) => normalizeEmail(value))
  @IsAccountEmail()
  email!: string;

  @Transform(cleanName)
  @IsString({ message: 'Enter your name.' })
  @MinLength(1, { message: 'Enter your name.' })
  @MaxLength(150, { message: 'Enter at most 150 characters.' })
  displayName!: string;

  @IsString({ message: PASSWORD_REQUIRED })
  @MinLength(1, { message: PASSWORD_REQUIRED })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password!: string;

  @IsString({ message: 'Enter the same password again.' })
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
  @IsIn(['on', 'true', '1'], { message: 'Invalid value.' })
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

  @IsString({ message: 'Enter the same password again.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  password2!: string;
}

export class ChangePasswordForm extends SetPasswordForm {
  @IsString({ message: 'Enter your current password.' })
  @MinLength(1, { message: 'Enter your current password.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: passwordTooLong })
  currentPassword!: string;
}

export class ProfileForm {
  @Transform(cleanName)
  @IsString({ message: 'Enter your name.' })
  @MinLength(1, { message: 'Enter your name.' })
  @MaxLength(150, { message: 'Enter at most 150 characters.' })
  displayName!: string;
}

export class ApiTokenForm {
  @Transform(trim)
  @IsString({ message: 'Name the token.' })
  @MinLength(1, { message: 'Name the token.' })
  @MaxLength(100, { message: 'Enter at most 100 characters.' })
  name!: string;
}
