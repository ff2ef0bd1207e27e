import {
  applyDecorators,
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtension,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  AllowAnonymousApi,
  CsrfExempt,
  CurrentUser,
  RequireApiToken,
  RequireVerified,
} from '../accounts/auth.decorators';
import type { SessionUser } from '../accounts/session-user';
import { EventActors } from '../events/event-actors';
import {
  EventInput,
  EventPatch,
  eventValuesOf,
  hasOffset,
  parseInstant,
  type EventValues,
} from '../events/event.dto';
import { EventValidationError, EventsService, PAGE_SIZE } from '../events/events.service';
import { RsvpService } from '../events/rsvp.service';
import type { Event } from '../generated/prisma/client';
import { apiValidationPipe } from '../web/forms';
import { ApiProblems, type ProblemDoc } from './api-problems';
import { PUBLIC_OPERATION } from './api-docs-extensions';
import { ApiRateLimitGuard } from './api-rate-limit.guard';
import { EventDto, EventListQuery, EventPageDto, RsvpCancelDto, RsvpDto } from './event-api.dto';

function eventDto(event: Event): EventDto {
  return {
    id: event.id,
    title: event.title,
    description: event.description,
    location: event.location,
    startsAt: event.startsAt.toISOString(),
    endsAt: event.endsAt.toISOString(),
    timeZone: event.timeZone,
    capacity: event.capacity,
    goingCount: event.goingCount,
    status: event.status,
    organizerId: event.organizerId,
    url: `/events/${event.id}`,
  };
}

/** What the edge (src/web/request-input.ts) refuses before any operation runs. */
const MALFORMED_INPUT: ProblemDoc = {
  status: 400,
  description:
    'Malformed request, refused before the operation: a NUL character, invalid UTF-8, a ' +
    '`__proto__`/`constructor`/`prototype` key or nesting deeper than 10 levels; `errors` names the field',
  detail: 'The field "title" contains a NUL character (U+0000).',
  errors: { title: ['This field contains a NUL character (U+0000).'] },
};

/**
 * Readable without a token: published events are public (as on the site). The document says so
 * with `security: [{}, {bearer: []}]` (see api-docs.ts); callers without a token are rate-limited
 * per client address.
 */
const PublicRead = () => applyDecorators(AllowAnonymousApi(), ApiExtension(PUBLIC_OPERATION, true));

/** EventsService's 403 for changes to someone else's event. */
const NOT_THE_ORGANIZER: ProblemDoc = {
  status: 403,
  description: 'Not the organizer (nor staff with the `event.change` permission)',
  detail: 'Only the organizer can do this.',
};

/** Runs a write and turns cross-field rule violations into a 400 problem with per-field errors. */
async function validated<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof EventValidationError) {
      throw new BadRequestException({ message: 'Validation failed', errors: error.errors });
    }
    throw error;
  }
}

/**
 * Events and RSVPs as JSON. Bearer API tokens (reading published events needs none); rate-limited
 * per token, or per client address without one; problem+json errors. Every
 * operation can answer 400 and 413 (malformed or oversized input, refused at the edge), 401
 * (token), 429 (rate limit), 503 (the token lookup needs the database) and 500; each one documents
 * its own further problems with @ApiProblems, from what its code can throw.
 */
@ApiTags('events')
@ApiBearerAuth()
@ApiProblems(MALFORMED_INPUT, 401, 413, 429, 500, 503)
@Controller('api/v1/events')
@RequireApiToken()
// No cookie ever authenticates here (RequireApiToken reads only the bearer token), so there is no
// cross-site request to forge; without this, a write sent with no bearer token got the CSRF 403
// ("the form's security token…") instead of the documented 401.
@CsrfExempt()
@UseGuards(ApiRateLimitGuard)
@UsePipes(apiValidationPipe())
export class EventsApiController {
  constructor(
    private readonly events: EventsService,
    private readonly rsvps: RsvpService,
    private readonly actors: EventActors,
  ) {}

  @Get()
  @PublicRead()
  @ApiOperation({
    summary: 'Upcoming published events, soonest first (filters combine)',
    description: 'No token needed (rate-limited per client address then).',
  })
  @ApiOkResponse({ type: EventPageDto })
  @ApiProblems({
    status: 400,
    description: 'Invalid or unknown query parameter: `errors` holds the messages per parameter',
    detail: 'Validation failed',
    errors: { pageSize: ['pageSize must be a whole number from 1 to 100'] },
  })
  async list(@Query() query: EventListQuery): Promise<EventPageDto> {
    const pageSize = query.pageSize ?? PAGE_SIZE;
    const result = await this.events.listUpcoming({
      page: query.page ?? 1,
      pageSize,
      query: query.q,
      from: query.from ? parseInstant(query.from) : undefined,
      to: query.to ? parseInstant(query.to) : undefined,
      organizerId: query.organizerId,
    });
    return {
      data: result.events.map((event) => ({
        id: event.id,
        title: event.title,
        location: event.location,
        startsAt: event.startsAtIso,
        timeZone: event.timeZone,
        capacity: event.capacity,
        goingCount: event.goingCount,
        url: event.url,
      })),
      page: result.page,
      pageSize,
      hasNext: result.hasNext,
    };
  }

  @Get(':id')
  @PublicRead()
  @ApiOperation({
    summary: 'One event',
    description:
      'Published and cancelled events need no token; a draft is seen only with the token of its organizer (or staff).',
  })
  @ApiOkResponse({ type: EventDto })
  @ApiProblems({ status: 404, description: 'No such event, or a draft the caller may not manage' })
  async read(@Param('id') id: number, @CurrentUser() user: SessionUser | undefined): Promise<EventDto> {
    return eventDto(await this.events.findVisible(id, user ? await this.actors.of(user) : undefined));
  }

  @Post()
  @RequireVerified()
  @ApiOperation({ summary: 'Create an event (verified users)' })
  @ApiCreatedResponse({ type: EventDto })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid body (field rules, unknown fields; starts in the past, ends before it starts): `errors` ' +
        'holds the messages per field. Malformed JSON is a 400 without `errors`',
      detail: 'Validation failed',
      errors: { startsAt: ['The event must start in the future.'] },
    },
    {
      status: 403,
      description: 'The user of the token has not verified their e-mail address',
      detail: 'Please verify your e-mail address first: follow the link we e-mailed you.',
    },
  )
  async create(@Body() body: EventInput, @CurrentUser() user: SessionUser): Promise<EventDto> {
    return eventDto(
      await validated(() => this.events.create(user.id, eventValuesOf(body), body.status ?? 'published')),
    );
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an event (its organizer, or staff with event.change)' })
  @ApiOkResponse({ type: EventDto })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid body, or a change the event does not allow (capacity below who is going, ends before ' +
        'it starts, a cancelled event): `errors` holds the messages per field. Malformed JSON is a 400 ' +
        'without `errors`',
      detail: 'Validation failed',
      errors: { capacity: ['12 people are already going; capacity cannot be lower than that.'] },
    },
    NOT_THE_ORGANIZER,
    404,
  )
  async update(
    @Param('id') id: number,
    @Body() body: EventPatch,
    @CurrentUser() user: SessionUser,
  ): Promise<EventDto> {
    // Offset-less times are wall-clock times in the body's time zone, else the event's (one read).
    const offsetLess = [body.startsAt, body.endsAt].some((value) => value && !hasOffset(value));
    const zone = body.timeZone ?? (offsetLess ? (await this.events.find(id)).timeZone : 'UTC');
    const changes: Partial<EventValues> = {
      ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.location !== undefined ? { location: body.location } : {}),
      ...(body.startsAt !== undefined ? { startsAt: parseInstant(body.startsAt, zone) } : {}),
      ...(body.endsAt !== undefined ? { endsAt: parseInstant(body.endsAt, zone) } : {}),
      ...(body.timeZone !== undefined ? { timeZone: body.timeZone } : {}),
      ...(body.capacity !== undefined ? { capacity: body.capacity } : {}),
      ...(body.status !== undefined ? { status: body.status } : {}),
    };
    const actor = await this.actors.of(user);
    return eventDto(await validated(() => this.events.update(id, actor, changes)));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an event (attendees of a published one are told it is cancelled)' })
  @ApiNoContentResponse()
  @ApiProblems(NOT_THE_ORGANIZER, 404)
  async remove(@Param('id') id: number, @CurrentUser() user: SessionUser): Promise<void> {
    await this.events.delete(id, await this.actors.of(user));
  }

  @Post(':id/rsvp')
  @HttpCode(200)
  @ApiOperation({ summary: 'RSVP: going while there is room, waitlisted after' })
  @ApiOkResponse({ type: RsvpDto })
  @ApiProblems(
    {
      status: 400,
      description: 'The event has already started (no `errors`: nothing in the request to correct)',
      detail: 'This event has already started.',
    },
    404,
    { status: 409, description: 'The event has been cancelled', detail: 'This event has been cancelled.' },
  )
  async rsvp(@Param('id') id: number, @CurrentUser() user: SessionUser): Promise<RsvpDto> {
    const { rsvp, changed } = await this.rsvps.rsvp(id, user.id);
    return { eventId: id, status: rsvp.status, changed };
  }

  @Delete(':id/rsvp')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel my RSVP (the first waitlisted attendee is promoted)' })
  @ApiOkResponse({ type: RsvpCancelDto })
  @ApiProblems(404)
  async cancelRsvp(@Param('id') id: number, @CurrentUser() user: SessionUser): Promise<RsvpCancelDto> {
    await this.events.findVisible(id, await this.actors.of(user));
    return this.rsvps.cancel(id, user.id);
  }
}
