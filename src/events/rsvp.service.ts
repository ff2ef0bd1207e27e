import { languageOf } from '../i18n/languages';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Prisma, RsvpStatus, type Rsvp } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { EVENT_MAILER, ticketSecrets, type EventMailer } from './event-mailer';
import { eventMailContext, type EventLike } from './event-view';
import { EventsCache } from './events.cache';
import { KeyedQueue } from './keyed-queue';
import { TicketSigner } from './tickets';

/** Interactive transactions queue for a pooled connection under load; give them room. */
export const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/**
 * Options of the feature services' writes, like MailService.send's: with `tx` the work joins the
 * caller's transaction (the admin's save with its log entry: all or nothing) instead of its own,
 * and invalidating the page cache after the commit is then the caller's job. `afterCommit` takes
 * what must wait for that commit (deleting a replaced cover's files); without it, it is skipped.
 */
export interface WriteOptions {
  tx?: Prisma.TransactionClient;
  afterCommit?: (work: () => Promise<void>) => void;
}

export interface LockedEvent extends EventLike {
  status: 'published' | 'cancelled' | 'draft';
  organizerId: number;
}

/** Whether one more person can go (an event without a capacity always has room). */
export function hasRoom(event: Pick<LockedEvent, 'capacity' | 'goingCount'>): boolean {
  return event.capacity === null || event.goingCount < event.capacity;
}

/**
 * Locks the event row until the transaction ends. Every change to an event's attendance goes
 * through this lock, so concurrent RSVPs are serialised per event (and only per event) and the
 * going count read here is the truth; the CHECK constraint on events backs it up.
 */
export async function lockEvent(tx: Prisma.TransactionClient, eventId: number): Promise<LockedEvent> {
  const rows = await tx.$queryRaw<LockedEvent[]>`
    SELECT id, title, location, starts_at AS "startsAt", ends_at AS "endsAt", time_zone AS "timeZone",
           capacity, going_count AS "goingCount", status::text AS status, organizer_id AS "organizerId"
    FROM events WHERE id = ${eventId} FOR UPDATE`;
  if (!rows.length) throw new NotFoundException('Event not found');
  return rows[0];
}

/**
 * Moves the first `count` waitlisted attendees (all of them for Infinity: the limit was lifted) to
 * "going", first come, first served, and e-mails them, inside the caller's transaction (which holds
 * the event lock): one statement moves them and counts them in, one records their e-mails (each
 * with its ticket). Returns how many moved.
 */
export async function promoteFromWaitlist(
  tx: Prisma.TransactionClient,
  mailer: EventMailer,
  tickets: TicketSigner,
  event: LockedEvent,
  count: number,
): Promise<number> {
  if (count <= 0) return 0;
  const promoted = await tx.$queryRaw<
    Array<{ rsvpId: number; email: string; displayName: string; language: string | null }>
  >`
    WITH next AS (
      SELECT id FROM rsvps
      WHERE event_id = ${event.id} AND status = 'waitlisted'
      ORDER BY responded_at, id
      LIMIT ${Number.isFinite(count) ? count : null}
    ), moved AS (
      UPDATE rsvps SET status = 'going', updated_at = now()
      FROM next WHERE rsvps.id = next.id
      RETURNING rsvps.id, rsvps.user_id
    ), counted AS (
      UPDATE events SET going_count = going_count + (SELECT count(*) FROM moved) WHERE id = ${event.id}
    )
    SELECT moved.id AS "rsvpId", u.email, u.display_name AS "displayName", u.language
    FROM moved JOIN users u ON u.id = moved.user_id`;
  const context = eventMailContext(event);
  await mailer.sendMany(
    'event_promoted',
    promoted.map((user) => ({
      to: user.email,
      context: { name: user.displayName || user.email, event: context, lang: languageOf(user) },
      secrets: ticketSecrets(tickets.path(event.id, user.rsvpId)),
    })),
    { tx },
  );
  return promoted.length;
}

/** An RSVP refused by the attendance rules, with messages for the fields at fault. */
export class RsvpValidationError extends Error {
  constructor(readonly errors: Record<string, string[]>) {
    super('Invalid RSVP');
  }
}

interface RsvpContext {
  email: string;
  displayName: string;
  language: string | null;
  rsvpStatus: RsvpStatus | null;
  removedAt: Date | null;
}

/** The signed-in user's own answer, as the event page shows it (with their ticket when going). */
export interface OwnRsvp {
  id: number;
  status: RsvpStatus;
  checkedInAt: Date | null;
}

export interface RsvpOutcome {
  rsvp: Rsvp;
  /** False when the user already had an active RSVP (answering twice is harmless). */
  changed: boolean;
}

@Injectable()
export class RsvpService {
  private readonly perEvent = new KeyedQueue<number>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: EventsCache,
    @Inject(EVENT_MAILER) private readonly mailer: EventMailer,
    private readonly tickets: TicketSigner,
  ) {}

  /**
   * RSVPs `userId`: going while there is room, waitlisted after. Confirmation e-mail either way.
   * The locked section is two statements plus recording the e-mail: concurrent RSVPs to one event
   * queue on its row lock, so the shorter it is held, the more RSVPs per second an event takes.
   */
  async rsvp(eventId: number, userId: number): Promise<RsvpOutcome> {
    const outcome = await this.perEvent.run(eventId, () => this.rsvpTransaction(eventId, userId));
    if (outcome.changed) await this.cache.invalidate(eventId);
    return outcome;
  }

  private rsvpTransaction(eventId: number, userId: number): Promise<RsvpOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<LockedEvent & RsvpContext>>`
        SELECT e.id, e.title, e.location, e.starts_at AS "startsAt", e.ends_at AS "endsAt",
               e.time_zone AS "timeZone", e.capacity, e.going_count AS "goingCount", e.status::text AS status, e.organizer_id AS "organizerId",
               u.email, u.display_name AS "displayName", u.language, r.status::text AS "rsvpStatus",
               r.removed_at AS "removedAt"
        FROM events e
        JOIN users u ON u.id = ${userId}
        LEFT JOIN rsvps r ON r.event_id = e.id AND r.user_id = u.id
        WHERE e.id = ${eventId}
        FOR UPDATE OF e`;
      if (!rows.length) throw new NotFoundException('Event not found');
      const event = rows[0];
      // A draft is nobody's to answer (its page is a 404 for everyone but its organizer).
      if (event.status === 'draft') throw new NotFoundException('Event not found');
      if (event.status === 'cancelled') throw new ConflictException('This event has been cancelled.');
      if (event.startsAt.getTime() <= Date.now()) {
        throw new BadRequestException('This event has already started.');
      }
      if (event.removedAt) {
        throw new ForbiddenException('The organizer removed you from this event; you cannot RSVP again.');
      }
      if (event.rsvpStatus && event.rsvpStatus !== RsvpStatus.cancelled) {
        const existing = await tx.rsvp.findUniqueOrThrow({ where: { eventId_userId: { eventId, userId } } });
        return { rsvp: existing, changed: false };
      }
      const status = hasRoom(event) ? RsvpStatus.going : RsvpStatus.waitlisted;
      const [rsvp] = await tx.$queryRaw<Rsvp[]>`
        WITH counted AS (
          UPDATE events SET going_count = going_count + ${status === RsvpStatus.going ? 1 : 0}
          WHERE id = ${eventId}
        )
        INSERT INTO rsvps (event_id, user_id, status, responded_at, created_at, updated_at)
        VALUES (${eventId}, ${userId}, ${status}::rsvp_status, now(), now(), now())
        ON CONFLICT (event_id, user_id) DO UPDATE
          SET status = EXCLUDED.status, responded_at = now(), reminder_sent_at = NULL, updated_at = now()
        RETURNING id, event_id AS "eventId", user_id AS "userId", status::text AS status,
                  responded_at AS "respondedAt", reminder_sent_at AS "reminderSentAt",
                  created_at AS "createdAt", updated_at AS "updatedAt"`;
      await this.sendConfirmation(tx, event, event, rsvp.id, status);
      return { rsvp, changed: true };
    }, TX_OPTIONS);
  }

  /** Cancels the user's RSVP; a freed seat goes to the first waitlisted attendee, same transaction. */
  async cancel(
    eventId: number,
    userId: number,
    options: WriteOptions = {},
  ): Promise<{ cancelled: boolean; promoted: number }> {
    // In the caller's transaction, not through the per-event queue: that transaction may hold
    // other events' locks, which a queued request could be waiting for.
    if (options.tx) return this.cancelIn(options.tx, eventId, userId);
    const outcome = await this.perEvent.run(eventId, () =>
      this.prisma.$transaction((tx) => this.cancelIn(tx, eventId, userId), TX_OPTIONS),
    );
    if (outcome.cancelled) await this.cache.invalidate(eventId);
    return outcome;
  }

  private async cancelIn(
    tx: Prisma.TransactionClient,
    eventId: number,
    userId: number,
  ): Promise<{ cancelled: boolean; promoted: number }> {
    const event = await lockEvent(tx, eventId);
    const existing = await tx.rsvp.findUnique({ where: { eventId_userId: { eventId, userId } } });
    if (!existing || existing.status === RsvpStatus.cancelled) return { cancelled: false, promoted: 0 };
    return { cancelled: true, promoted: await this.release(tx, event, existing) };
  }

  /**
   * Cancels `rsvp` (under the event's lock, which the caller holds) and, when it held a seat of a
   * published event, gives the seat to the first on the waitlist: what a cancel and a removal share.
   * Returns how many were promoted.
   */
  private async release(
    tx: Prisma.TransactionClient,
    event: LockedEvent,
    rsvp: Rsvp,
    data: Prisma.RsvpUpdateInput = {},
  ): Promise<number> {
    await tx.rsvp.update({
      where: { id: rsvp.id },
      data: { ...data, status: RsvpStatus.cancelled, checkedInAt: null },
    });
    if (rsvp.status !== RsvpStatus.going) return 0;
    await tx.event.update({ where: { id: event.id }, data: { goingCount: { decrement: 1 } } });
    return event.status === 'published'
      ? promoteFromWaitlist(tx, this.mailer, this.tickets, { ...event, goingCount: event.goingCount - 1 }, 1)
      : 0;
  }

  /**
   * An organizer removes an attendee (going or waitlisted): their RSVP is cancelled and they
   * cannot answer again; a freed seat goes to the waitlist exactly as on a cancel, and they are
   * told by e-mail (with `reason` when given), all in one transaction. The caller has checked
   * that the actor runs the event.
   */
  async remove(
    eventId: number,
    rsvpId: number,
    reason: string,
  ): Promise<{ name: string; email: string; promoted: number }> {
    const outcome = await this.perEvent.run(eventId, () =>
      this.prisma.$transaction(async (tx) => {
        const event = await lockEvent(tx, eventId);
        const rsvp = await tx.rsvp.findFirst({
          where: { id: rsvpId, eventId },
          include: { user: { select: { email: true, displayName: true, language: true } } },
        });
        if (!rsvp || rsvp.status === RsvpStatus.cancelled) {
          throw new NotFoundException('This person is not going or on the waitlist of this event.');
        }
        const promoted = await this.release(tx, event, rsvp, { removedAt: new Date() });
        const name = rsvp.user.displayName || rsvp.user.email;
        await this.mailer.send(
          'event_removed',
          rsvp.user.email,
          { name, reason, event: eventMailContext(event), lang: languageOf(rsvp.user) },
          { tx },
        );
        return { name, email: rsvp.user.email, promoted };
      }, TX_OPTIONS),
    );
    await this.cache.invalidate(eventId);
    return outcome;
  }

  /** The user's own active answer to the event (with its id, for their ticket), if any. */
  async ownRsvp(eventId: number, userId: number): Promise<OwnRsvp | undefined> {
    const rsvp = await this.prisma.rsvp.findUnique({
      where: { eventId_userId: { eventId, userId } },
      select: { id: true, status: true, checkedInAt: true },
    });
    return rsvp && rsvp.status !== RsvpStatus.cancelled ? rsvp : undefined;
  }

  /**
   * Staff set someone's RSVP (the admin's inline on the event), in the caller's transaction and
   * under the event's lock, by the same rules as the site: "going" only while there is room,
   * "waitlisted" only while the event is full (otherwise the waitlist would be promoted), nobody
   * added to a draft, a cancelled or a started event; cancelling frees the place for the first
   * waitlisted person, as when they cancel. A new RSVP gets the confirmation e-mail. Returns the
   * RSVP's id.
   */
  async setStatusIn(
    tx: Prisma.TransactionClient,
    eventId: number,
    userId: number,
    status: RsvpStatus,
  ): Promise<number> {
    const event = await lockEvent(tx, eventId);
    const existing = await tx.rsvp.findUnique({ where: { eventId_userId: { eventId, userId } } });
    if (existing?.status === status) return existing.id;
    if (status === RsvpStatus.cancelled) {
      if (!existing)
        throw new RsvpValidationError({ status: ['Choose “going” or “waitlisted” for a new RSVP.'] });
      await this.cancelIn(tx, eventId, userId);
      return existing.id;
    }
    if (event.status !== 'published') {
      throw new RsvpValidationError({
        status: [
          `This event is ${event.status === 'draft' ? 'a draft' : 'cancelled'}: nobody can be ${status}.`,
        ],
      });
    }
    if (event.startsAt.getTime() <= Date.now()) {
      throw new RsvpValidationError({ status: ['This event has already started.'] });
    }
    const going = event.goingCount - (existing?.status === RsvpStatus.going ? 1 : 0);
    const room = hasRoom({ capacity: event.capacity, goingCount: going });
    if (status === RsvpStatus.going && !room) {
      throw new RsvpValidationError({
        status: [`The event is full (${event.capacity} going): raise its capacity, or choose “waitlisted”.`],
      });
    }
    if (status === RsvpStatus.waitlisted && room) {
      throw new RsvpValidationError({
        status: ['The event has room: people wait only when it is full (choose “going”).'],
      });
    }
    const delta = (status === RsvpStatus.going ? 1 : 0) - (existing?.status === RsvpStatus.going ? 1 : 0);
    if (delta) await tx.event.update({ where: { id: eventId }, data: { goingCount: { increment: delta } } });
    const rsvp = await tx.rsvp.upsert({
      where: { eventId_userId: { eventId, userId } },
      create: { eventId, userId, status },
      update: { status, respondedAt: new Date(), reminderSentAt: null },
    });
    if (!existing || existing.status === RsvpStatus.cancelled) {
      const user = await tx.user.findUniqueOrThrow({
        where: { id: userId },
        select: { email: true, displayName: true, language: true },
      });
      await this.sendConfirmation(tx, user, event, rsvp.id, status);
    }
    return rsvp.id;
  }

  /**
   * The RSVP confirmation, whoever answered (the member, or staff in the admin): in the member's
   * language, and with the ticket when they have a place. In the RSVP's transaction.
   */
  private async sendConfirmation(
    tx: Prisma.TransactionClient,
    to: { email: string; displayName: string | null; language: string | null },
    event: Parameters<typeof eventMailContext>[0],
    rsvpId: number,
    status: RsvpStatus,
  ): Promise<void> {
    await this.mailer.send(
      'rsvp_confirmation',
      to.email,
      {
        name: to.displayName || to.email,
        waitlisted: status === RsvpStatus.waitlisted,
        event: eventMailContext(event),
        lang: languageOf(to),
      },
      {
        tx,
        secrets: status === RsvpStatus.going ? ticketSecrets(this.tickets.path(event.id, rsvpId)) : undefined,
      },
    );
  }

  /** Deletes an RSVP (staff), first cancelling it so a freed place goes to the waitlist. */
  async deleteIn(tx: Prisma.TransactionClient, eventId: number, userId: number): Promise<void> {
    await this.cancelIn(tx, eventId, userId);
    await tx.rsvp.deleteMany({ where: { eventId, userId } });
  }

  async statusOf(eventId: number, userId: number): Promise<RsvpStatus | undefined> {
    const rsvp = await this.prisma.rsvp.findUnique({
      where: { eventId_userId: { eventId, userId } },
      select: { status: true },
    });
    return rsvp && rsvp.status !== RsvpStatus.cancelled ? rsvp.status : undefined;
  }
}
