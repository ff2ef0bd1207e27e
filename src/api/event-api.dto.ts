import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, MaxLength, Max, Min } from 'class-validator';

/** Query string of GET /api/v1/events. */
export class EventListQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be a whole number from 1' })
  @Min(1, { message: 'page must be a whole number from 1' })
  @Max(100_000, { message: 'page must be at most 100000' })
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'pageSize must be a whole number from 1 to 100' })
  @Min(1, { message: 'pageSize must be a whole number from 1 to 100' })
  @Max(100, { message: 'pageSize must be a whole number from 1 to 100' })
  pageSize?: number;

  @ApiPropertyOptional({ description: 'Full-text search over title, description and location' })
  @IsOptional()
  @IsString({ message: 'q must be text' })
  @MaxLength(200, { message: 'q must be at most 200 characters' })
  q?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events starting at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events starting before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ description: 'Only events by this organizer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'organizerId must be a whole number' })
  @Min(1, { message: 'organizerId must be a whole number' })
  @Max(2_147_483_647, { message: 'organizerId is out of range' })
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
