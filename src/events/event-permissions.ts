import type { Event } from '../generated/prisma/client';

/**
 * Who is acting on events: their id, whether they may change any event (staff with
 * `event.change`), and the events they co-host (loaded per request by EventActors). Staff-made
 * actors (the admin) leave `cohostOf` out.
 */
export interface Actor {
  id: number;
  canChangeAnyEvent: boolean;
  cohostOf?: readonly number[];
}

/** How `actor` relates to an event: the one rule every event permission comes from. */
export type EventRole = 'organizer' | 'cohost' | 'staff' | null;

export function eventRole(actor: Actor, event: Pick<Event, 'id' | 'organizerId'>): EventRole {
  if (actor.id === event.organizerId) return 'organizer';
  if (actor.cohostOf?.includes(event.id)) return 'cohost';
  return actor.canChangeAnyEvent ? 'staff' : null;
}

/**
 * What an event's people may do. `run`: edit, publish and use the tools (attendees, check-in,
 * e-mails, export, removing an attendee) — the organizer, co-hosts and staff. `own`: cancel or
 * delete the event and choose its co-hosts — the organizer and staff only.
 */
export type EventPermission = 'run' | 'own';

export function mayDo(
  actor: Actor,
  event: Pick<Event, 'id' | 'organizerId'>,
  permission: EventPermission,
): boolean {
  const role = eventRole(actor, event);
  if (permission === 'run') return role !== null;
  return role === 'organizer' || role === 'staff';
}
