import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';
import { message } from '../i18n/translator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const REMOVAL_REASON_MAX = 1_000;
// Messages are catalogue keys (src/i18n/locales), translated on the page.
const COHOST_EMAIL_MESSAGE = 'organizing.validation.cohostEmail';

/** Removing an attendee: the reason is optional; when given, it is e-mailed to them. */
export class RemoveAttendeeForm {
  @IsOptional()
  @Transform(trim)
  @IsString({ message: 'organizing.validation.reasonText' })
  @MaxLength(REMOVAL_REASON_MAX, {
    message: message('organizing.validation.reasonTooLong', { max: REMOVAL_REASON_MAX }),
  })
  reason?: string;
}

/** Adding a co-host by the e-mail address of their account. */
export class CohostForm {
  @Transform(trim)
  @IsEmail({}, { message: COHOST_EMAIL_MESSAGE })
  @MaxLength(254, { message: COHOST_EMAIL_MESSAGE })
  email!: string;
}
