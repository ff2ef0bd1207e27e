import { DateTime } from 'luxon';
import { DEFAULT_LANGUAGE, type Language } from '../i18n/languages';
import { EVENT_DATE, formatDateTime, formatDateTimeRange } from '../i18n/translator';

/**
 * Plain, JSON-safe view data for events: what templates, the cache and e-mails receive. Times are
 * instants (ISO) and the event's zone, never text: the page data is cached once for every reader,
 * and each page formats them in its reader's language at render (`{{formatDate}}`,
 * `{{formatRange}}`), so a cached copy renders exactly like a fresh one, in any language.
 */

/** True for a time zone Intl knows (an IANA name such as "Europe/Paris", or "UTC"). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * `value` as people read it in `timeZone` and `language`, e.g. "Tue, 1 Dec 2026, 19:00 CET",
 * "вт, 1 груд. 2026 р., 19:00 CET" (UTC if the zone is unknown).
 */
export function formatDate(value: Date, timeZone = 'UTC', language: Language = DEFAULT_LANGUAGE): string {
  return formatDateTime(value, language, timeZone, EVENT_DATE);
}

/**
 * From `start` to `end` as people read it in `timeZone` and `language`, the zone named once at the
 * end: "Wed, 15 Jan 2031, 19:00–22:30 GMT-5" (the date too when the end is on another day).
 */
export function formatRange(
  start: Date,
  end: Date,
  timeZone = 'UTC',
  language: Language = DEFAULT_LANGUAGE,
): string {
  return formatDateTimeRange(start, end, language, timeZone, EVENT_DATE);
}

/**
 * The zone's name to show beside a time, when the time's own abbreviation does not say it
 * already: "America/New_York" (shown as "GMT-5"), nothing for UTC ("19:00 UTC" is complete).
 */
export function zoneLabel(timeZone: string): string | null {
  return /^(Etc\/)?(UTC|GMT|UCT|Zulu|Universal|Greenwich)$/i.test(timeZone) ? null : timeZone;
}

/** The value of a `datetime-local` input: the wall-clock time of `value` in `timeZone`. */
export function toInputDate(value: Date, timeZone = 'UTC'): string {
  const local = DateTime.fromJSDate(value, { zone: isTimeZone(timeZone) ? timeZone : 'UTC' });
  return local.toFormat("yyyy-MM-dd'T'HH:mm");
}

/** Every zone the forms offer: UTC first, then Intl's IANA names. */
export const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone')];

/**
 * What a list of events shows of each (the home page, "my events", "my RSVPs"). The start is
 * formatted where it is shown (`{{formatDate startsAtIso timeZone}}`), in the reader's language.
 */
export interface EventSummaryView {
  id: number;
  title: string;
  location: string;
  startsAtIso: string;
  timeZone: string;
  /** Null: no limit. */
  capacity: number | null;
  goingCount: number;
  /** Null when there is no limit. */
  spotsLeft: number | null;
  cancelled: boolean;
  /** Not published yet: only its organizer (and staff) see it. */
  draft: boolean;
  url: string;
  /** Its category, with the list filtered by it; null: none. */
  category: { name: string; url: string } | null;
  /** Its cover image's sizes (see cover-images.ts); null: none. */
  cover?: { banner: string; thumb: string } | null;
}

export interface EventDetailView extends EventSummaryView {
  /** Start to end is shown as `{{formatRange startsAtIso endsAtIso timeZone}}`, the zone named once. */
  endsAtIso: string;
  /** The event's IANA zone when the formatted time does not name it plainly (null for UTC). */
  zoneLabel: string | null;
  /** The Markdown source (the edit form and the API). */
  description: string;
  /** The description rendered and sanitised (see markdown.ts): safe to print unescaped. */
  descriptionHtml: string;
  organizerId: number;
  organizerName: string;
  full: boolean;
  waitlistCount: number;
}

export interface EventLike {
  id: number;
  title: string;
  location: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  capacity: number | null;
  goingCount: number;
  status: string;
}

/**
 * The columns a list needs (EventLike without the end), with the category's when it has one. The
 * start is a Date (Prisma, node-postgres) or already its ISO text (the lists' own SQL).
 */
export type EventSummaryRow = Omit<EventLike, 'endsAt' | 'startsAt'> & {
  startsAt: Date | string;
  categoryName?: string | null;
  categorySlug?: string | null;
  coverImage?: string | null;
};

export function eventSummaryView(event: EventSummaryRow): EventSummaryView {
  return {
    id: event.id,
    title: event.title,
    location: event.location,
    startsAtIso: typeof event.startsAt === 'string' ? event.startsAt : event.startsAt.toISOString(),
    timeZone: event.timeZone,
    capacity: event.capacity,
    goingCount: event.goingCount,
    spotsLeft: event.capacity === null ? null : Math.max(0, event.capacity - event.goingCount),
    cancelled: event.status === 'cancelled',
    draft: event.status === 'draft',
    url: `/events/${event.id}`,
    category:
      event.categoryName && event.categorySlug
        ? { name: event.categoryName, url: `/events?category=${encodeURIComponent(event.categorySlug)}` }
        : null,
  };
}

/** What every event e-mail gets as `event` (templates escape it; subjects are plain text). */
export function eventMailContext(event: EventLike | (Omit<EventLike, 'goingCount' | 'capacity'> & object)) {
  return {
    id: event.id,
    title: event.title,
    location: event.location,
    startsAt: formatDate(event.startsAt, event.timeZone),
    endsAt: formatDate(event.endsAt, event.timeZone),
    // For the recipient's language (the `eventDate` helper); the texts above are English.
    startsAtIso: typeof event.startsAt === 'string' ? event.startsAt : event.startsAt.toISOString(),
    endsAtIso: event.endsAt.toISOString(),
    timeZone: event.timeZone,
    path: `/events/${event.id}`,
  };
}
