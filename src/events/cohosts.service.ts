import { languageOf } from '../i18n/languages';
import { Inject, Injectable } from '@nestjs/common';
import type { Event } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { EVENT_MAILER, type EventMailer } from './event-mailer';
import { eventMailContext } from './event-view';
import { EventValidationError } from './events.service';

export interface CohostView {
  userId: number;
  name: string;
  email: string;
}

/**
 * An event's co-hosts: users who run it with its organizer (see event-permissions). Choosing them
 * is the organizer's (the caller checks `own`); a new co-host is told by e-mail.
 */
@Injectable()
export class CohostsService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(EVENT_MAILER) private readonly mailer: EventMailer,
  ) {}

  async list(eventId: number): Promise<CohostView[]> {
    const rows = await this.prisma.eventCohost.findMany({
      where: { eventId },
      include: { user: { select: { email: true, displayName: true } } },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => ({ userId: row.userId, name: row.user.displayName, email: row.user.email }));
  }

  /**
   * Makes the user with `email` a co-host of `event`. EventValidationError at the `email` field
   * when there is no such (active) account, it is the organizer's, or they co-host already.
   */
  async add(
    event: Event,
    email: string,
    addedBy: { displayName: string; email: string },
  ): Promise<CohostView> {
    const address = email.trim().toLowerCase();
    const user = await this.prisma.user.findUnique({ where: { email: address } });
    if (!user || !user.isActive) {
      throw new EventValidationError({ email: ['organizing.validation.cohostNoAccount'] });
    }
    if (user.id === event.organizerId) {
      throw new EventValidationError({ email: ['organizing.validation.cohostIsOrganizer'] });
    }
    return this.prisma.$transaction(async (tx) => {
      const created = await tx.eventCohost.createMany({
        data: [{ eventId: event.id, userId: user.id }],
        skipDuplicates: true,
      });
      if (!created.count) throw new EventValidationError({ email: ['organizing.validation.cohostAlready'] });
      await this.mailer.send(
        'event_cohost_added',
        user.email,
        {
          name: user.displayName || user.email,
          organizerName: addedBy.displayName || addedBy.email,
          event: eventMailContext(event),
          lang: languageOf(user),
        },
        { tx },
      );
      return { userId: user.id, name: user.displayName, email: user.email };
    });
  }

  /** Whether they were a co-host (removing twice is harmless). */
  async remove(eventId: number, userId: number): Promise<boolean> {
    const { count } = await this.prisma.eventCohost.deleteMany({ where: { eventId, userId } });
    return count > 0;
  }
}
