import { languageOf, type Language } from '../i18n/languages';
import { translatorFor } from '../i18n/translator';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { RsvpStatus, TaskKind, type Task } from '../generated/prisma/client';
import { InjectJobQueue, JobQueue, type Job } from '../jobs/queue/job-queue';
import { PrismaService } from '../prisma/prisma.service';
import { QUEUES } from '../jobs/queue/queues';
import { TASK_JOB, type TaskJobData } from '../jobs/tasks/task-jobs';
import { DOWNLOAD_TTL_MS, TasksService } from '../jobs/tasks/tasks.service';
import { attendeesCsv, type AttendeeRow } from './attendees-csv';
import type { AnnouncementAudience } from './event.dto';
import { EVENT_MAILER, type EventMailer } from './event-mailer';
import { eventMailContext } from './event-view';
import { TX_OPTIONS } from './rsvp.service';

const BATCH = 25;

export interface AnnouncementInput {
  subject: string;
  message: string;
  /** Absent in tasks started before the audience choice: those going. */
  audience?: AnnouncementAudience;
}

const AUDIENCE_STATUSES: Record<AnnouncementAudience, RsvpStatus[]> = {
  going: [RsvpStatus.going],
  waitlisted: [RsvpStatus.waitlisted],
  both: [RsvpStatus.going, RsvpStatus.waitlisted],
};

/** The organizer tasks: "e-mail all attendees" and "export attendees as CSV". */
@Injectable()
export class EventTasksProcessor implements OnModuleInit {
  private readonly logger = new Logger(EventTasksProcessor.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly tasks: TasksService,
    @Inject(EVENT_MAILER) private readonly mailer: EventMailer,
    @InjectJobQueue(QUEUES.tasks) private readonly queue: JobQueue<TaskJobData>,
  ) {}

  onModuleInit(): void {
    this.queue.process(TASK_JOB, 2, (job) => this.run(job));
  }

  async run(job: Job<TaskJobData>): Promise<void> {
    const task = await this.prisma.task.findUnique({ where: { id: job.data.taskId } });
    if (!task || task.status === 'succeeded') return;
    await this.tasks.markRunning(task.id);
    try {
      if (task.kind === TaskKind.email_attendees) await this.emailAttendees(task);
      else await this.exportAttendees(task);
    } catch (error) {
      const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
      // Read by the organizer, on the page and in the live stream (which sends it as stored): in
      // their language, as the summary of a task that succeeded.
      if (attemptsLeft <= 0) {
        const t = translatorFor(await this.ownerLanguage(task.ownerId));
        await this.tasks.fail(task.id, t('tasks.failedTryAgain'));
      }
      throw error;
    }
  }

  /**
   * One e-mail per attendee of the chosen audience (going, waitlisted or both) who has not turned
   * announcements off (those are counted as skipped, so the progress still reaches 100%). Each
   * batch's messages and the cursor (the last RSVP id done) are committed together, so a retry
   * after a crash continues where it stopped: nobody gets it twice.
   */
  private async emailAttendees(task: Task): Promise<void> {
    const input = task.input as unknown as AnnouncementInput;
    const event = await this.prisma.event.findUniqueOrThrow({ where: { id: task.eventId ?? 0 } });
    const where = { eventId: event.id, status: { in: AUDIENCE_STATUSES[input.audience ?? 'going'] } };
    const total = await this.prisma.rsvp.count({ where });
    const previous = (task.result ?? {}) as { cursor?: number; sent?: number; skipped?: number };
    let cursor = previous.cursor ?? 0;
    let sent = previous.sent ?? 0;
    let skipped = previous.skipped ?? 0;
    for (;;) {
      const batch = await this.prisma.rsvp.findMany({
        where: { ...where, id: { gt: cursor } },
        orderBy: { id: 'asc' },
        take: BATCH,
        include: {
          user: {
            select: { id: true, email: true, displayName: true, emailAnnouncements: true, language: true },
          },
        },
      });
      if (!batch.length) break;
      cursor = batch[batch.length - 1].id;
      const recipients = batch.filter((rsvp) => rsvp.user.emailAnnouncements);
      sent += recipients.length;
      skipped += batch.length - recipients.length;
      await this.prisma.$transaction(async (tx) => {
        for (const rsvp of recipients) {
          await this.mailer.send(
            'event_announcement',
            rsvp.user.email,
            {
              name: rsvp.user.displayName || rsvp.user.email,
              recipientId: rsvp.user.id,
              lang: languageOf(rsvp.user),
              subject: input.subject,
              message: input.message,
              event: eventMailContext(event),
            },
            { tx },
          );
        }
        await tx.task.update({ where: { id: task.id }, data: { result: { cursor, sent, skipped } } });
      }, TX_OPTIONS);
      const done = sent + skipped;
      await this.tasks.reportProgress(task.id, total ? Math.min(99, (done / total) * 100) : 99);
    }
    // Read by the organizer: in their language.
    const t = translatorFor(await this.ownerLanguage(task.ownerId));
    const summary = [
      t('tasks.sent', { count: sent }),
      ...(skipped ? [t('tasks.skipped', { count: skipped })] : []),
    ];
    await this.tasks.succeed(task.id, { cursor, sent, skipped, message: summary.join(' ') });
  }

  private async exportAttendees(task: Task): Promise<void> {
    const event = await this.prisma.event.findUniqueOrThrow({ where: { id: task.eventId ?? 0 } });
    const where = { eventId: event.id, status: { in: [RsvpStatus.going, RsvpStatus.waitlisted] } };
    const total = await this.prisma.rsvp.count({ where });
    const chunks: string[] = [attendeesCsv([], true)];
    let cursor = 0;
    let done = 0;
    for (;;) {
      const batch = await this.prisma.rsvp.findMany({
        where: { ...where, id: { gt: cursor } },
        orderBy: { id: 'asc' },
        take: 500,
        include: { user: { select: { email: true, displayName: true } } },
      });
      if (!batch.length) break;
      cursor = batch[batch.length - 1].id;
      const rows: AttendeeRow[] = batch.map((rsvp) => ({
        name: rsvp.user.displayName,
        email: rsvp.user.email,
        status: rsvp.status,
        respondedAt: rsvp.respondedAt,
        checkedInAt: rsvp.checkedInAt,
      }));
      chunks.push(attendeesCsv(rows, false));
      done += batch.length;
      await this.tasks.reportProgress(task.id, total ? Math.min(99, (done / total) * 100) : 99);
    }
    const filename = `event-${event.id}-attendees.csv`;
    await this.tasks.succeed(
      task.id,
      {
        rows: done,
        filename,
        message: translatorFor(await this.ownerLanguage(task.ownerId))('tasks.exported', { count: done }),
      },
      { data: Buffer.from(chunks.join(''), 'utf8'), expiresAt: new Date(Date.now() + DOWNLOAD_TTL_MS) },
    );
    this.logger.log(`exported ${done} attendees of event ${event.id}`);
  }

  /** The language the task's owner reads (their profile's, else English). */
  private async ownerLanguage(ownerId: number): Promise<Language> {
    const owner = await this.prisma.user.findUnique({ where: { id: ownerId }, select: { language: true } });
    return languageOf(owner);
  }
}
