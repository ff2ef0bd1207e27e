import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, MaxLength, Max, Min } from 'class-validator';
import { message } from '../i18n/translator';

// Messages are catalogue keys (src/i18n/locales), translated by the error filter for problem+json
// (English unless the request asks for another language); they name the query parameters as sent.
const PAGE_MESSAGE = 'organizing.api.pageWhole';
const PAGE_SIZE_MESSAGE = message('organizing.api.pageSize', { max: 100 });
const ORGANIZER_MESSAGE = 'organizing.api.organizerId';

/** Query string of GET /api/v1/events. */
export class EventListQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: PAGE_MESSAGE })
  @Min(1, { message: PAGE_MESSAGE })
  @Max(100_000, { message: message('organizing.api.pageMax', { max: 100_000 }) })
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: PAGE_SIZE_MESSAGE })
  @Min(1, { message: PAGE_SIZE_MESSAGE })
  @Max(100, { message: PAGE_SIZE_MESSAGE })
  pageSize?: number;

  @ApiPropertyOptional({ description: 'Full-text search over title, description and location' })
  @IsOptional()
  @IsString({ message: 'organizing.api.queryText' })
  @MaxLength(200, { message: message('organizing.api.queryTooLong', { max: 200 }) })
  q?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events starting at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: message('organizing.api.dateTime', { field: 'from' }) })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events starting before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: message('organizing.api.dateTime', { field: 'to' }) })
  to?: string;

  @ApiPropertyOptional({ description: 'Only events by this organizer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: ORGANIZER_MESSAGE })
  @Min(1, { message: ORGANIZER_MESSAGE })
  @Max(2_147_483_647, { message: 'organizing.api.organizerIdRange' })
  organizerId?: number;
}

export class EventDto {
  @ApiProperty() id!: number;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty() location!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
  @ApiProperty({ example: 'Europe/Paris', description: 'IANA time zone the event happens in' })
  timeZone!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null: no limit' })
  capacity!: number | null;
  @ApiProperty() goingCount!: number;
  @ApiProperty({ enum: ['draft', 'published', 'cancelled'] }) status!: string;
  @ApiProperty() organizerId!: number;
  @ApiProperty() url!: string;
}

export class EventSummaryDto {
  @ApiProperty() id!: number;
  @ApiProperty() title!: string;
  @ApiProperty() location!: string;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ example: 'Europe/Paris' }) timeZone!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null: no limit' })
  capacity!: number | null;
  @ApiProperty() goingCount!: number;
  @ApiProperty() url!: string;
}

export class EventPageDto {
  @ApiProperty({ type: [EventSummaryDto] }) data!: EventSummaryDto[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty({ description: 'Whether page + 1 has results (no total count: the table can be huge)' })
  hasNext!: boolean;
}

export class RsvpDto {
  @ApiProperty() eventId!: number;
  @ApiProperty({ enum: ['going', 'waitlisted'] }) status!: string;
  @ApiProperty({ description: 'False when the user had already RSVPed' }) changed!: boolean;
}

export class RsvpCancelDto {
  @ApiProperty() cancelled!: boolean;
  @ApiProperty({ description: 'How many waitlisted attendees got the freed seat (0 or 1)' })
  promoted!: number;
}
