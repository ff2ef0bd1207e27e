/**
 * Plain, JSON-safe view data for events: what templates, the cache and e-mails receive. Dates are
 * pre-formatted strings so a cached copy renders exactly like a fresh one.
 */
const dateFormat = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

export function formatDate(value: Date): string {
  return dateFormat.format(value);
}

/** The value of a `datetime-local` input (times are UTC throughout the app). */
export function toInputDate(value: Date): string {
  return value.toISOString().slice(0, 16);
}

export interface EventSummaryView {
  id: number;
  title: string;
  location: string;
  startsAt: string;
  startsAtIso: string;
  endsAt: string;
  capacity: number;
  goingCount: number;
  spotsLeft: number;
  cancelled: boolean;
  url: string;
}

export interface EventDetailView extends EventSummaryView {
  description: string;
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
  capacity: number;
  goingCount: number;
  status: string;
}

export function eventSummaryView(event: EventLike): EventSummaryView {
  return {
    id: event.id,
    title: event.title,
    location: event.location,
    startsAt: formatDate(event.startsAt),
    startsAtIso: event.startsAt.toISOString(),
    endsAt: formatDate(event.endsAt),
    capacity: event.capacity,
    goingCount: event.goingCount,
    spotsLeft: Math.max(0, event.capacity - event.goingCount),
    cancelled: event.status === 'cancelled',
    url: `/events/${event.id}`,
  };
}

/** What every event e-mail gets as `event` (templates escape it; subjects are plain text). */
export function eventMailContext(event: EventLike | (Omit<EventLike, 'goingCount' | 'capacity'> & object)) {
  return {
    id: event.id,
    title: event.title,
    location: event.location,
    startsAt: formatDate(event.startsAt),
    endsAt: formatDate(event.endsAt),
    path: `/events/${event.id}`,
  };
}
