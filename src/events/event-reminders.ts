import { languageOf } from '../i18n/languages';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { ScheduleRegistry } from '../jobs/scheduler/schedule.registry';
import { EVENT_MAILER, type EventMailer } from './event-mailer';
import { eventMailContext } from './event-view';
import { TX_OPTIONS } from './rsvp.service';

const REMINDER_WINDOW_MS = 24 * 3600_000;
const BATCH = 100;

interface DueReminder {
  rsvpId: number;
  userId: number;
  email: string;
  language: string | null;
  displayName: string;
  eventId: number;
  title: string;
  location: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
}

/**
 * The "starts in 24 hours" reminder, every few minutes, to attendees who have not turned reminders
 * off (their RSVPs stay unclaimed, so turning reminders back on in time still brings one). Exactly once per attendee: each reminder is
 * claimed (`reminder_sent_at` set, rows locked with SKIP LOCKED so concurrent runs split the work)
 * and its e-mail recorded in the same transaction; a crash before commit leaves it unclaimed for
 * the next run, a crash after leaves the e-mail safely in the outbox.
 */
@Injectable()
export class EventReminders implements OnModuleInit {
  private readonly logger = new Logger(EventReminders.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly registry: ScheduleRegistry,
    @Inject(EVENT_MAILER) private readonly mailer: EventMailer,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'events.send-reminders',
      every: 5 * 60_000,
      run: () => this.sendDue().then((sent) => ({ sent })),
    });
  }

  /** Sends every reminder now due; returns how many. */
  async sendDue(now = new Date()): Promise<number> {
    const until = new Date(now.getTime() + REMINDER_WINDOW_MS);
    let total = 0;
    for (;;) {
      const sent = await this.prisma.$transaction(async (tx) => {
        const due = await tx.$queryRaw<DueReminder[]>`
          UPDATE rsvps r SET reminder_sent_at = ${now}
          FROM events e, users u
          WHERE r.id IN (
            SELECT r2.id FROM rsvps r2 JOIN events e2 ON e2.id = r2.event_id
              JOIN users u2 ON u2.id = r2.user_id
            WHERE r2.status = 'going' AND r2.reminder_sent_at IS NULL AND u2.email_reminders
              AND e2.status = 'published' AND e2.starts_at > ${now} AND e2.starts_at <= ${until}
            ORDER BY r2.id
            LIMIT ${BATCH}
            FOR UPDATE OF r2 SKIP LOCKED
          )
          AND e.id = r.event_id AND u.id = r.user_id
          RETURNING r.id AS "rsvpId", u.id AS "userId", u.email, u.language, u.display_name AS "displayName", e.id AS "eventId",
                    e.title, e.location, e.starts_at AS "startsAt", e.ends_at AS "endsAt",
                    e.time_zone AS "timeZone"`;
        for (const reminder of due) {
          await this.mailer.send(
            'event_reminder',
            reminder.email,
            {
              name: reminder.displayName || reminder.email,
              recipientId: reminder.userId,
              lang: languageOf(reminder),
              event: eventMailContext({ ...reminder, id: reminder.eventId, status: 'published' }),
            },
            { tx },
          );
        }
        return due.length;
      }, TX_OPTIONS);
      total += sent;
      if (sent < BATCH) break;
    }
    if (total) this.logger.log(`sent ${total} event reminder(s)`);
    return total;
  }
}
