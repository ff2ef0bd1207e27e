import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const REMOVAL_REASON_MAX = 1_000;

/** Removing an attendee: the reason is optional; when given, it is e-mailed to them. */
export class RemoveAttendeeForm {
  @IsOptional()
  @Transform(trim)
  @IsString({ message: 'The reason must be text.' })
  @MaxLength(REMOVAL_REASON_MAX, { message: `Keep the reason under ${REMOVAL_REASON_MAX} characters.` })
  reason?: string;
}

/** Adding a co-host by the e-mail address of their account. */
export class CohostForm {
  @Transform(trim)
  @IsEmail({}, { message: 'Enter the e-mail address of their account.' })
  @MaxLength(254, { message: 'Enter the e-mail address of their account.' })
  email!: string;
}
