import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsISO8601,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  Length,
  MaxLength,
  Max,
  Min,
} from 'class-validator';
import { DateTime } from 'luxon';
import { message } from '../i18n/translator';
import type { FieldErrors } from '../web/forms';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
// An empty form field means "not given", so the field's own message is the one shown.
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
// A number from a form field or JSON; an empty field is "not given" (so no limit, for capacity).
// One step, because @Type(() => Number) would run first and turn an empty field into 0.
const toOptionalNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? (value.trim() === '' ? undefined : Number(value)) : value;

export const TITLE_MIN = 3;
export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 10_000;
export const LOCATION_MAX = 200;
export const CAPACITY_MAX = 100_000;

// Messages are catalogue keys (src/i18n/locales), translated where they are shown: on the form in
// the reader's language, in the API's problem+json in the request's (English by default).
const TITLE_MESSAGE = message('organizing.validation.titleLength', { min: TITLE_MIN, max: TITLE_MAX });
const DATE_MESSAGE = 'organizing.validation.dateTime';
const CAPACITY_MESSAGE = message('organizing.validation.capacity', { max: CAPACITY_MAX });
const TIME_ZONE_MESSAGE = 'organizing.validation.timeZone';

/**
 * How the document describes an input time. Not `format: date-time`: RFC 3339 requires an offset,
 * and the API also takes wall-clock times (a datetime-local field's value) in the event's zone.
 * No pattern either: the API's own check (IsISO8601, strict) is the one that decides.
 */
const INSTANT_DOC = {
  type: 'string',
  example: '2030-05-01T18:30',
} as const;

const STATUS_MESSAGE = 'organizing.validation.status';

// Each field's checks, shared by the form / create body and the PATCH body (each documents its own).
const StatusRules = () =>
  applyDecorators(IsOptional(), IsIn(['published', 'draft'], { message: STATUS_MESSAGE }));
const TitleRules = () =>
  applyDecorators(
    Transform(trim),
    IsString({ message: TITLE_MESSAGE }),
    Length(TITLE_MIN, TITLE_MAX, { message: TITLE_MESSAGE }),
  );
/** The messages of an optional text field: not text, too long. */
interface TextMessages {
  notText: string;
  tooLong: string;
}
const DESCRIPTION_MESSAGES: TextMessages = {
  notText: 'organizing.validation.descriptionText',
  tooLong: message('organizing.validation.descriptionTooLong', { max: DESCRIPTION_MAX }),
};
const LOCATION_MESSAGES: TextMessages = {
  notText: 'organizing.validation.locationText',
  tooLong: message('organizing.validation.locationTooLong', { max: LOCATION_MAX }),
};
const TextRules = (max: number, messages: TextMessages) =>
  applyDecorators(
    IsOptional(),
    Transform(trim),
    IsString({ message: messages.notText }),
    MaxLength(max, { message: messages.tooLong }),
  );
const TimeZoneRule = () => IsTimeZone({ message: TIME_ZONE_MESSAGE });
const InstantRule = () => IsISO8601({ strict: true }, { message: DATE_MESSAGE });
const CapacityRules = () =>
  applyDecorators(
    IsOptional(),
    Transform(toOptionalNumber),
    IsInt({ message: CAPACITY_MESSAGE }),
    Min(1, { message: CAPACITY_MESSAGE }),
    Max(CAPACITY_MAX, { message: CAPACITY_MESSAGE }),
  );

export const CATEGORY_MESSAGE = 'organizing.validation.category';
// An empty select ("No category") is none; the id must name a category (checked by the service).
const CategoryRules = () =>
  applyDecorators(
    IsOptional(),
    Transform(toOptionalNumber),
    IsInt({ message: CATEGORY_MESSAGE }),
    Min(1, { message: CATEGORY_MESSAGE }),
    Max(2_147_483_647, { message: CATEGORY_MESSAGE }),
  );

/**
 * The event form and the API's create body: the same rules at both edges. Defaults are stated in
 * the descriptions, not as `default`: generated clients (openapi-typescript) would make every
 * property with a default required in a referenced body schema.
 */
export class EventInput {
  @ApiPropertyOptional({
    enum: ['published', 'draft'],
    description:
      'Default "published". A draft is seen only by its organizer (and staff): not listed, no RSVPs.',
  })
  @StatusRules()
  status?: 'published' | 'draft';

  @ApiProperty({ minLength: TITLE_MIN, maxLength: TITLE_MAX, example: 'Board games night' })
  @TitleRules()
  title!: string;

  @ApiPropertyOptional({ maxLength: DESCRIPTION_MAX, description: 'Default: empty.' })
  @TextRules(DESCRIPTION_MAX, DESCRIPTION_MESSAGES)
  description?: string;

  @ApiPropertyOptional({ maxLength: LOCATION_MAX, description: 'Default: empty.' })
  @TextRules(LOCATION_MAX, LOCATION_MESSAGES)
  location?: string;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    description: 'IANA time zone the event happens in: its times are shown in it. Default "UTC".',
  })
  @IsOptional()
  @Transform(emptyToUndefined)
  @TimeZoneRule()
  timeZone?: string;

  @ApiProperty({
    ...INSTANT_DOC,
    description: 'ISO 8601; without an offset it is a wall-clock time in timeZone.',
  })
  @Transform(emptyToUndefined)
  @InstantRule()
  startsAt!: string;

  @ApiProperty({
    ...INSTANT_DOC,
    description: 'Must be after startsAt (an offset-less time is read as startsAt is).',
  })
  @Transform(emptyToUndefined)
  @InstantRule()
  endsAt!: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: CAPACITY_MAX,
    example: 50,
    nullable: true,
    description: 'Places for people going; beyond it RSVPs are waitlisted. Omitted or null: no limit.',
  })
  @CapacityRules()
  capacity?: number | null;

  @ApiPropertyOptional({ nullable: true, example: 3, description: 'An event category id; omitted: none.' })
  @CategoryRules()
  categoryId?: number | null;
}

/** The API's PATCH body: any subset of the fields. */
export class EventPatch {
  @ApiPropertyOptional({
    enum: ['published', 'draft'],
    description: '"published" publishes a draft; a published event cannot become a draft again.',
  })
  @StatusRules()
  status?: 'published' | 'draft';

  @ApiPropertyOptional({ minLength: TITLE_MIN, maxLength: TITLE_MAX })
  @IsOptional()
  @TitleRules()
  title?: string;

  @ApiPropertyOptional({ maxLength: DESCRIPTION_MAX })
  @TextRules(DESCRIPTION_MAX, DESCRIPTION_MESSAGES)
  description?: string;

  @ApiPropertyOptional({ maxLength: LOCATION_MAX })
  @TextRules(LOCATION_MAX, LOCATION_MESSAGES)
  location?: string;

  @ApiPropertyOptional({
    example: 'Europe/Paris',
    description:
      'IANA time zone. The event keeps its instants; offset-less times in this body are read in it.',
  })
  @IsOptional()
  @TimeZoneRule()
  timeZone?: string;

  @ApiPropertyOptional({
    ...INSTANT_DOC,
    description: "Without an offset: a wall-clock time in timeZone (this body's, else the event's).",
  })
  @IsOptional()
  @InstantRule()
  startsAt?: string;

  @ApiPropertyOptional({ ...INSTANT_DOC, description: 'Read as startsAt is.' })
  @IsOptional()
  @InstantRule()
  endsAt?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: CAPACITY_MAX,
    nullable: true,
    description: 'null lifts the limit (everyone waitlisted goes).',
  })
  @CapacityRules()
  capacity?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'An event category id; null: none.' })
  @CategoryRules()
  categoryId?: number | null;
}

/** True when an ISO 8601 date-time names its offset ("Z", "+01:00"): it is an instant as it is. */
export function hasOffset(value: string): boolean {
  return /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(value) && value.includes('T');
}

/**
 * An ISO 8601 string as an instant. A value without an offset (a `datetime-local` field) is a
 * wall-clock time in `timeZone`; one that does not exist there (skipped by a DST change) moves
 * forward by the gap, as calendar apps do. Invalid input gives an invalid Date.
 */
export function parseInstant(value: string, timeZone = 'UTC'): Date {
  if (hasOffset(value)) return new Date(value);
  const local = DateTime.fromISO(value, { zone: timeZone });
  return local.isValid ? local.toJSDate() : new Date(NaN);
}

export interface EventValues {
  title: string;
  description: string;
  location: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  /** Null: no limit. */
  capacity: number | null;
  /** Null: no category. */
  categoryId: number | null;
}

/** The rules that span fields, reported at the field a person would correct. */
export function crossFieldErrors(
  values: EventValues,
  options: { creating: boolean; now?: Date },
): FieldErrors {
  const errors: FieldErrors = {};
  const now = options.now ?? new Date();
  if (Number.isNaN(values.startsAt.getTime())) errors.startsAt = [DATE_MESSAGE];
  if (Number.isNaN(values.endsAt.getTime())) errors.endsAt = [DATE_MESSAGE];
  if (errors.startsAt || errors.endsAt) return errors;
  if (options.creating && values.startsAt <= now) errors.startsAt = ['organizing.validation.startInFuture'];
  if (values.endsAt <= values.startsAt) errors.endsAt = ['organizing.validation.endAfterStart'];
  return errors;
}

export function eventValuesOf(input: EventInput): EventValues {
  const timeZone = input.timeZone ?? 'UTC';
  return {
    title: input.title,
    description: input.description ?? '',
    location: input.location ?? '',
    startsAt: parseInstant(input.startsAt, timeZone),
    endsAt: parseInstant(input.endsAt, timeZone),
    timeZone,
    capacity: input.capacity ?? null,
    categoryId: input.categoryId ?? null,
  };
}

/** The organizer's "e-mail all attendees" form. */
export const ANNOUNCEMENT_AUDIENCES = ['going', 'waitlisted', 'both'] as const;
export type AnnouncementAudience = (typeof ANNOUNCEMENT_AUDIENCES)[number];

export class AnnouncementForm {
  @Transform(trim)
  @IsString({ message: 'organizing.validation.enterSubject' })
  @Length(3, 150, { message: message('organizing.validation.subjectLength', { min: 3, max: 150 }) })
  subject!: string;

  @Transform(trim)
  @IsString({ message: 'organizing.validation.enterMessage' })
  @Length(1, 10_000, { message: message('organizing.validation.messageLength', { min: 1, max: 10_000 }) })
  message!: string;

  /** Who gets it: those going (the default), the waitlist, or both. */
  @IsOptional()
  @IsIn(ANNOUNCEMENT_AUDIENCES, { message: 'organizing.validation.audience' })
  audience?: AnnouncementAudience;
}
