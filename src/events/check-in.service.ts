import { HttpException, HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Prisma, RsvpStatus } from '../generated/prisma/client';
import { message } from '../i18n/translator';
import { PrismaService } from '../prisma/prisma.service';
import { RedisService } from '../redis/redis.service';
import { TicketSigner, type TicketRef } from './tickets';

/** The Redis channel an event's check-in counts are published on (any web replica listens). */
export const attendanceChannel = (eventId: number) => `events:attendance:${eventId}`;

export interface AttendanceCounts {
  going: number;
  checkedIn: number;
}

/** What the check-in page's live stream sends: the counts, and the attendee that changed. */
export interface AttendanceUpdate extends AttendanceCounts {
  changed?: { rsvpId: number; checkedIn: boolean; checkedInAt: string | null };
}

/** One row of the check-in list. */
export interface DoorAttendee {
  rsvpId: number;
  name: string;
  email: string;
  checkedInAt: Date | null;
}

/** A ticket that was shown, with whose it is and what happened. */
export interface TicketCheckIn {
  eventId: number;
  eventTitle: string;
  attendee: DoorAttendee;
  /** False: they had been checked in before (the time is the first check-in's). */
  checkedInNow: boolean;
}

/**
 * A ticket refused at the door: the message (a catalogue key, translated where it is shown) says
 * why, `holder` names them when the ticket is genuine. 400 for a ticket that is not one (bad
 * signature), 409 for a genuine one that does not admit (another event, cancelled, waitlisted).
 */
export class TicketRefused extends HttpException {
  constructor(
    reason: string,
    readonly holder?: Pick<DoorAttendee, 'name' | 'email'>,
    status: HttpStatus = HttpStatus.CONFLICT,
  ) {
    super(reason, status);
  }
}

/** A genuine ticket (its signature checked), with its RSVP, holder and event. */
export interface VerifiedTicket {
  rsvpId: number;
  userId: number;
  status: RsvpStatus;
  removed: boolean;
  holder: Pick<DoorAttendee, 'name' | 'email'>;
  event: { id: number; title: string; organizerId: number; status: 'published' | 'cancelled' | 'draft' };
}

/** The check-in list holds this many rows at once: search finds the rest. */
export const DOOR_LIST_LIMIT = 500;

/**
 * Checking attendees in at the door (by the list or by their ticket), undoing it, and the live
 * counts. A check-in never changes who is going, so it takes no event lock: one conditional UPDATE
 * (only a going RSVP of this event; the first check-in time is kept). The caller has checked that
 * the actor runs the event (EventsService.findManageable).
 */
@Injectable()
export class CheckInService {
  private readonly logger = new Logger(CheckInService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly tickets: TicketSigner,
  ) {}

  /** Those going, by name (then e-mail), optionally only those whose name or e-mail contains `search`. */
  async list(eventId: number, search = ''): Promise<DoorAttendee[]> {
    const pattern = `%${search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const filter = search.trim()
      ? Prisma.sql`AND (u.display_name ILIKE ${pattern} OR u.email ILIKE ${pattern})`
      : Prisma.empty;
    return this.prisma.$queryRaw<DoorAttendee[]>`
      SELECT r.id AS "rsvpId", u.display_name AS name, u.email, r.checked_in_at AS "checkedInAt"
      FROM rsvps r JOIN users u ON u.id = r.user_id
      WHERE r.event_id = ${eventId} AND r.status = 'going' ${filter}
      ORDER BY lower(COALESCE(NULLIF(u.display_name, ''), u.email)), u.email
      LIMIT ${DOOR_LIST_LIMIT}`;
  }

  async counts(eventId: number): Promise<AttendanceCounts> {
    const [row] = await this.prisma.$queryRaw<AttendanceCounts[]>`
      SELECT count(*)::int AS going, count(checked_in_at)::int AS "checkedIn"
      FROM rsvps WHERE event_id = ${eventId} AND status = 'going'`;
    return row;
  }

  /** Checks in RSVP `rsvpId` of `eventId` (again is harmless: the first time is kept). */
  async checkIn(eventId: number, rsvpId: number): Promise<{ attendee: DoorAttendee; checkedInNow: boolean }> {
    const updated = await this.prisma.$queryRaw<Array<{ checkedInAt: Date }>>`
      UPDATE rsvps SET checked_in_at = now(), updated_at = now()
      WHERE id = ${rsvpId} AND event_id = ${eventId} AND status = 'going' AND checked_in_at IS NULL
      RETURNING checked_in_at AS "checkedInAt"`;
    const attendee = await this.attendee(eventId, rsvpId);
    if (updated.length) await this.publish(eventId, attendee);
    return { attendee, checkedInNow: updated.length > 0 };
  }

  /** Undoes a check-in (a mistake at the door). */
  async undo(eventId: number, rsvpId: number): Promise<DoorAttendee> {
    const updated = await this.prisma.rsvp.updateMany({
      where: { id: rsvpId, eventId, checkedInAt: { not: null } },
      data: { checkedInAt: null },
    });
    const attendee = await this.attendee(eventId, rsvpId, { goingOnly: false });
    if (updated.count) await this.publish(eventId, attendee);
    return attendee;
  }

  /** The ticket's RSVP if `ticket` is genuine; TicketRefused (400) otherwise. */
  async verify(ticket: TicketRef): Promise<VerifiedTicket> {
    const rsvp = await this.prisma.rsvp.findUnique({
      where: { id: ticket.rsvpId },
      include: {
        event: { select: { id: true, title: true, organizerId: true, status: true } },
        user: { select: { email: true, displayName: true } },
      },
    });
    // A wrong id and a wrong signature look the same: nothing tells which RSVP ids exist.
    if (!rsvp || !this.tickets.verify(rsvp.eventId, rsvp.id, ticket.signature)) {
      throw new TicketRefused('organizing.ticket.invalid', undefined, HttpStatus.BAD_REQUEST);
    }
    return {
      rsvpId: rsvp.id,
      userId: rsvp.userId,
      status: rsvp.status,
      removed: rsvp.removedAt !== null,
      holder: { name: rsvp.user.displayName, email: rsvp.user.email },
      event: rsvp.event,
    };
  }

  /**
   * Checks in the holder of a genuine ticket, at the door of `atEventId` (the event whose check-in
   * page scanned it; a ticket URL opened directly is at its own event's door). Refused with
   * TicketRefused when the ticket is for another event, the event is cancelled, or the RSVP is
   * cancelled or waitlisted. The caller has checked that the actor runs `atEventId`.
   */
  async admit(ticket: VerifiedTicket, atEventId: number): Promise<TicketCheckIn> {
    const { holder, event } = ticket;
    if (event.id !== atEventId) {
      throw new TicketRefused(message('organizing.ticket.otherEvent', { title: event.title }), holder);
    }
    if (event.status === 'cancelled') {
      throw new TicketRefused('organizing.ticket.eventCancelled', holder);
    }
    if (ticket.status === RsvpStatus.cancelled) {
      throw new TicketRefused(
        ticket.removed ? 'organizing.ticket.holderRemoved' : 'organizing.ticket.holderCancelled',
        holder,
      );
    }
    if (ticket.status === RsvpStatus.waitlisted) {
      throw new TicketRefused('organizing.ticket.holderWaitlisted', holder);
    }
    const { attendee, checkedInNow } = await this.checkIn(event.id, ticket.rsvpId);
    return { eventId: event.id, eventTitle: event.title, attendee, checkedInNow };
  }

  private async attendee(eventId: number, rsvpId: number, { goingOnly = true } = {}): Promise<DoorAttendee> {
    const rsvp = await this.prisma.rsvp.findFirst({
      where: { id: rsvpId, eventId, ...(goingOnly ? { status: RsvpStatus.going } : {}) },
      include: { user: { select: { email: true, displayName: true } } },
    });
    if (!rsvp) throw new NotFoundException('This person is not going to this event.');
    return {
      rsvpId: rsvp.id,
      name: rsvp.user.displayName,
      email: rsvp.user.email,
      checkedInAt: rsvp.checkedInAt,
    };
  }

  /**
   * Tells every open check-in page (any replica, through Redis) the new counts and who changed.
   * Best effort: a lost update shows on the next one, or on a reload.
   */
  async publish(eventId: number, changed?: DoorAttendee): Promise<void> {
    try {
      const update: AttendanceUpdate = {
        ...(await this.counts(eventId)),
        ...(changed
          ? {
              changed: {
                rsvpId: changed.rsvpId,
                checkedIn: changed.checkedInAt !== null,
                checkedInAt: changed.checkedInAt?.toISOString() ?? null,
              },
            }
          : {}),
      };
      await this.redis.client.publish(attendanceChannel(eventId), JSON.stringify(update));
    } catch (error) {
      this.logger.warn(`check-in counts of event ${eventId} not published: ${(error as Error).message}`);
    }
  }
}
