import { Injectable } from '@nestjs/common';
// RFC 5545 output comes from ical-generator, not from hand-written string building: it escapes
// TEXT values (backslash, comma, semicolon, newlines) and folds lines at 75 octets counted in
// UTF-8 bytes, so non-ASCII titles stay valid. Chosen over `ics`, which folds at 75 characters
// (a line of "é" or emoji goes past the limit) and pulls in yup, nanoid and runes2, where
// ical-generator has no runtime dependencies and ships its own types. Version 10 is the line
// that supports Node 20, which package.json's engines still allow (11 needs Node 22).
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { AppConfig } from '../config/app-config';
import { EventStatus } from '../generated/prisma/client';
import { EventsService } from './events.service';

export interface CalendarFile {
  filename: string;
  body: string;
}

const STATUS: Record<EventStatus, ICalEventStatus> = {
  [EventStatus.published]: ICalEventStatus.CONFIRMED,
  [EventStatus.cancelled]: ICalEventStatus.CANCELLED,
  // Never served (a draft's file is a 404, as its page); here for the type's sake.
  [EventStatus.draft]: ICalEventStatus.TENTATIVE,
};

/**
 * "Add to calendar": one event as an iCalendar (RFC 5545) file. Times are in UTC (`Z`), whatever
 * the event's own time zone: every calendar app shows them in its user's zone.
 */
@Injectable()
export class EventCalendar {
  constructor(
    private readonly events: EventsService,
    private readonly config: AppConfig,
  ) {}

  /** The event's .ics file; a 404 (NotFoundException) whenever the event page would be one. */
  async forEvent(id: number, now = new Date()): Promise<CalendarFile> {
    // The event page's data decides visibility (the same rules as GET /events/:id) and gives the
    // organizer's name; the row gives what the page data lacks (end instant, revision times).
    const page = await this.events.detail(id);
    const event = await this.events.find(id);
    const url = this.config.absoluteUrl(`/events/${event.id}`);
    const description = [event.description.trim(), `Organized by ${page.organizerName}`, url]
      .filter(Boolean)
      .join('\n\n');

    const calendar = ical({
      prodId: { company: 'Event Planner', product: 'Event Planner', language: 'EN' },
      method: ICalCalendarMethod.PUBLISH,
    });
    calendar.createEvent({
      // Stable per event, so importing the file again updates the entry instead of duplicating it.
      id: `event-${event.id}@${this.config.appHostname}`,
      // Seconds between creation and the last change: grows with every edit (and the cancellation),
      // so calendar apps take the newer copy, and stays a small INTEGER (epoch seconds overflow
      // RFC 5545's 32-bit INTEGER in 2038).
      sequence: Math.max(0, Math.floor((event.updatedAt.getTime() - event.createdAt.getTime()) / 1000)),
      stamp: now,
      created: event.createdAt,
      lastModified: event.updatedAt,
      start: event.startsAt,
      end: event.endsAt,
      summary: event.title,
      description,
      location: event.location || null,
      url,
      status: STATUS[event.status],
      // No ORGANIZER: ical-generator requires an e-mail address for it (the property's value is a
      // mailto: URI) and organizers' addresses are not published; the name is in the description.
    });
    const body = calendar.toString();
    // Every content line ends with CRLF, the last one included (ical-generator omits that one).
    return { filename: `event-${event.id}.ics`, body: body.endsWith('\r\n') ? body : `${body}\r\n` };
  }
}
