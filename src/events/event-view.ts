import { DateTime } from 'luxon';

/**
 * Plain, JSON-safe view data for events: what templates, the cache and e-mails receive. Dates are
 * pre-formatted strings, in the event's own time zone, so a cached copy renders exactly like a
 * fresh one.
 */
const DATE_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};
// One formatter per zone: building an Intl.DateTimeFormat costs far more than using one.
const formats = new Map<string, Intl.DateTimeFormat>();

/** True for a time zone Intl knows (an IANA name such as "Europe/Paris", or "UTC"). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** `value` as people read it in `timeZone`, e.g. "Tue, 1 Dec 2026, 19:00 CET" (UTC if unknown). */
export function formatDate(value: Date, timeZone = 'UTC'): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      ...DATE_FORMAT,
      timeZone: isTimeZone(timeZone) ? timeZone : 'UTC',
    });
    formats.set(timeZone, format);
  }
  return format.format(value);
}

// One range formatter per zone, as above.
const rangeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * From `start` to `end` as people read it in `timeZone`, the zone named once at the end:
 * "Wed, 15 Jan 2031, 19:00–22:30 GMT-5" (the date too when the end is on another day).
 */
export function formatRange(start: Date, end: Date, timeZone = 'UTC'): string {
  let format = rangeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      ...DATE_FORMAT,
      timeZone: isTimeZone(timeZone) ? timeZone : 'UTC',
    });
    rangeFormats.set(timeZone, format);
  }
  return end > start ? format.formatRange(start, end) : format.format(start);
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
 * What a list of events shows of each (the home page, "my events", "my RSVPs"). Only the start is
 * formatted: lists do not show the end, and `Intl` formatting costs about a microsecond a date.
 */
export interface EventSummaryView {
  id: number;
  title: string;
  location: string;
  startsAt: string;
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
  endsAt: string;
  endsAtIso: string;
  /** Start to end in the event's zone, the zone named once ("Wed, 15 Jan 2031, 19:00–22:30 GMT-5"). */
  when: string;
  /** The event's IANA zone when `when` does not name it plainly (null for UTC). */
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

/** The columns a list needs (EventLike without the end), with the category's when it has one. */
export type EventSummaryRow = Omit<EventLike, 'endsAt'> & {
  categoryName?: string | null;
  categorySlug?: string | null;
  coverImage?: string | null;
};

export function eventSummaryView(event: EventSummaryRow): EventSummaryView {
  return {
    id: event.id,
    title: event.title,
    location: event.location,
    startsAt: formatDate(event.startsAt, event.timeZone),
    startsAtIso: event.startsAt.toISOString(),
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
    startsAtIso: event.startsAt.toISOString(),
    endsAtIso: event.endsAt.toISOString(),
    timeZone: event.timeZone,
    path: `/events/${event.id}`,
  };
}
