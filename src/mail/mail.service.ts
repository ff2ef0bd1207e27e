import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService, type PreparedStatement } from '../prisma/prisma.service';
import { InjectJobQueue, JobQueue } from '../jobs/queue/job-queue';
import { QUEUES } from '../jobs/queue/queues';
import { GroupCommit } from './group-commit';
import { MailInputError } from './mail-input.error';
import { MAIL_JOBS, MAIL_OUTBOX_CHANNEL, mailJobOptions, type MailJobData } from './mail-jobs';
import { MailSecrets, type MailSecretValues } from './mail-secrets';
import { MailTemplates } from './mail-templates';

export interface SendOptions {
  /** The caller's transaction: the message is recorded (and later sent) only if it commits. */
  tx?: Prisma.TransactionClient;
  /**
   * Values the templates need that must not be stored readable (one-time links): sealed with
   * MailSecrets, opened by the worker to render the body, erased once the message is sent or
   * failed. Never in the subject (it is rendered from `context` alone, and stored).
   */
  secrets?: MailSecretValues;
}

/** One message of a `sendMany` batch: its recipient, template context and secrets (see SendOptions). */
export interface Recipient {
  to: string;
  context: Record<string, unknown>;
  secrets?: MailSecretValues;
}

/** Ids per NOTIFY payload: 200 UUIDs and commas stay under PostgreSQL's 8,000-byte payload limit. */
const IDS_PER_NOTIFICATION = 200;

/** A message as recorded in `outgoing_emails` when it is sent. */
interface OutboxRow {
  id: string;
  toAddress: string;
  template: string;
  subject: string;
  context: Prisma.InputJsonObject;
  /** `SendOptions.secrets`, sealed; null without any. */
  secrets: string | null;
  messageId: string;
}

/**
 * A batch of messages in one statement, the columns as arrays unnested into rows. SQL rather than
 * Prisma's createMany, which costs about 0.27 ms of CPU per row (its query compiler), twenty times
 * this and most of what a send costs the web process.
 */
const INSERT_OUTBOX_ROWS: PreparedStatement = {
  name: 'mail_outbox_insert',
  text: `INSERT INTO outgoing_emails (id, to_address, template, subject, context, sealed_secrets, message_id, updated_at)
         SELECT id, to_address, template, subject, context, sealed_secrets, message_id, now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::text[])
           AS batch (id, to_address, template, subject, context, sealed_secrets, message_id)`,
};

/**
 * The same insert inside a caller's transaction, announcing the new ids on MAIL_OUTBOX_CHANNEL in
 * the same statement ($8), IDS_PER_NOTIFICATION ($9) a payload: PostgreSQL delivers the
 * notifications when the transaction commits, and drops them if it rolls back.
 */
const INSERT_AND_ANNOUNCE_OUTBOX_ROWS = `
  WITH inserted AS (${INSERT_OUTBOX_ROWS.text} RETURNING id)
  SELECT pg_notify($8, string_agg(id::text, ','))
  FROM (SELECT id, (row_number() OVER () - 1) / $9 AS chunk FROM inserted) numbered
  GROUP BY chunk`;

/**
 * Notes that the messages reached the queue (MailService.markQueued). SQL rather than Prisma's
 * updateMany, whose query layer cost ~9 % of the sending process's CPU per e-mail in the bench.
 */
const MARK_QUEUED: PreparedStatement = {
  name: 'mail_mark_queued',
  text: `UPDATE outgoing_emails SET enqueued_at = now(), updated_at = now()
         WHERE id = ANY($1::uuid[]) AND enqueued_at IS NULL`,
};

/** How long a send waits for Redis before leaving the message to the relay. */
const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * Sends e-mail the durable way (a transactional outbox): the message is written to PostgreSQL
 * (`outgoing_emails`), then queued on Bull for the worker. The web process never talks SMTP.
 * In a caller's transaction the row comes with a NOTIFY on MAIL_OUTBOX_CHANNEL, which PostgreSQL
 * delivers only when the transaction commits: the worker's relay (MailRelay) hears it and queues
 * the job, so the transaction never waits for Redis and no job can run before its row exists.
 * Without one the send queues the job itself. When Redis is down the send still succeeds; the
 * relay queues the message once Redis is back.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger(MailService.name);
  private readonly messageIdDomain: string;

  constructor(
    private readonly prisma: PrismaService,
    private readonly templates: MailTemplates,
    private readonly config: AppConfig,
    private readonly secrets: MailSecrets,
    @InjectJobQueue(QUEUES.mail) private readonly queue: JobQueue<MailJobData>,
  ) {
    this.messageIdDomain = config.appHostname;
  }

  // Concurrent sends share round trips (one INSERT, one Redis pipeline, one UPDATE per batch).
  private readonly inserts = new GroupCommit<OutboxRow, void>(async (rows) => {
    await this.prisma.prepared(INSERT_OUTBOX_ROWS, outboxColumns(rows));
    return rows.map(() => undefined);
  });
  private readonly adds = new GroupCommit<string, boolean>((ids) => this.addJobs(ids));
  private readonly marks = new GroupCommit<string, void>(async (ids) => {
    await this.prisma.prepared(MARK_QUEUED, [ids]);
    return ids.map(() => undefined);
  });

  /**
   * Records `template` rendered for `to` with `context` (JSON-serialisable) and queues it.
   * Throws MailInputError (400) for an invalid address or unknown template; nothing is recorded then.
   */
  async send(
    template: string,
    to: string,
    context: Record<string, unknown>,
    options: SendOptions = {},
  ): Promise<{ id: string }> {
    const recipient = { to, context, secrets: options.secrets };
    if (options.tx) return (await this.sendMany(template, [recipient], { tx: options.tx }))[0];
    const row = this.outboxRow(template, recipient);
    await this.inserts.add(row);
    if (await this.enqueue(row.id)) this.markQueued(row.id);
    return { id: row.id };
  }

  /**
   * `send` for many recipients of one template (an event's attendees): one INSERT for them all, and
   * in a transaction one statement of NOTIFYs, instead of two round trips per message while the
   * caller holds its locks. All or nothing: one invalid address refuses the batch (MailInputError).
   */
  async sendMany(
    template: string,
    recipients: Recipient[],
    options: Pick<SendOptions, 'tx'> = {},
  ): Promise<Array<{ id: string }>> {
    const rows = recipients.map((recipient) => this.outboxRow(template, recipient));
    if (!rows.length) return [];
    const columns = outboxColumns(rows);
    if (options.tx) {
      await options.tx.$executeRawUnsafe(
        INSERT_AND_ANNOUNCE_OUTBOX_ROWS,
        ...columns,
        MAIL_OUTBOX_CHANNEL,
        IDS_PER_NOTIFICATION,
      );
    } else {
      await this.prisma.prepared(INSERT_OUTBOX_ROWS, columns);
      const ids = rows.map((row) => row.id);
      const queued = await this.addJobs(ids);
      if (queued.every(Boolean)) {
        await this.prisma.outgoingEmail.updateMany({
          where: { id: { in: ids }, enqueuedAt: null },
          data: { enqueuedAt: new Date() },
        });
      }
    }
    return rows.map((row) => ({ id: row.id }));
  }

  /** The row `send` records: validated, its subject rendered, its id and Message-ID chosen. */
  private outboxRow(template: string, { to, context, secrets }: Recipient): OutboxRow {
    const toAddress = this.validate(template, to, context, secrets);
    const id = randomUUID();
    return {
      id,
      toAddress,
      template,
      subject: this.templates.renderSubject(template, context).slice(0, 998),
      context: context as Prisma.InputJsonObject,
      secrets: secrets ? this.secrets.seal(id, secrets) : null,
      messageId: `<${id}@${this.messageIdDomain}>`,
    };
  }

  /**
   * Sends a failed message again (the admin's "retry"): back to `queued` with a fresh set of
   * attempts. The row is updated first, so if Redis is down the relay still picks it up; in the
   * caller's transaction (`tx`) it is queued by the relay once that commits, like `send`.
   */
  async retry(id: string, options: SendOptions = {}): Promise<void> {
    const client = options.tx ?? this.prisma;
    // A message whose one-time link was erased when it failed would go out without it.
    const { count } = await client.outgoingEmail.updateMany({
      where: { id, status: 'failed', erasedAt: null },
      data: { status: 'queued', enqueuedAt: null },
    });
    if (!count) {
      const row = await client.outgoingEmail.findUnique({
        where: { id },
        select: { status: true, erasedAt: true },
      });
      if (!row) throw new NotFoundException(`No e-mail ${id}`);
      if (row.status === 'failed') {
        throw new ConflictException(
          `E-mail ${id} carried a one-time link, erased when it failed; the person must ask for a new one`,
        );
      }
      throw new ConflictException(`E-mail ${id} is ${row.status}; only failed e-mails can be retried`);
    }
    // The failed job still holds the id; remove it so the new one is not a no-op.
    const previous = await this.queue.get(id).catch(() => null);
    const finished = previous && ['failed', 'completed'].includes(await previous.state());
    if (finished) await previous.remove();
    if (options.tx) {
      await options.tx.$executeRaw`SELECT pg_notify(${MAIL_OUTBOX_CHANNEL}, ${id})`;
      return;
    }
    if (await this.enqueue(id)) this.markQueued(id);
  }

  /** Queues the job for a recorded message; false (and logged) when Redis did not take it in time. */
  enqueue(id: string): Promise<boolean> {
    return this.adds.add(id);
  }

  private async addJobs(ids: string[]): Promise<boolean[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`)),
        ENQUEUE_TIMEOUT_MS,
      );
    });
    const adding = this.queue.addBulk(
      ids.map((id) => ({
        name: MAIL_JOBS.send,
        data: { id },
        options: mailJobOptions(id, this.config.values),
      })),
    );
    // A late success after the timeout is harmless (the relay's add with the same job id is a no-op).
    adding.catch(() => undefined);
    try {
      await Promise.race([adding, timeout]);
      return ids.map(() => true);
    } catch (error) {
      this.logger.warn(
        `${ids.length} e-mail(s) recorded but not queued (the relay will queue them): ${(error as Error).message}`,
      );
      return ids.map(() => false);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Notes that the message reached the queue, so the relay leaves it alone. Best effort: if this is
   * lost, the relay's add for it is a no-op. */
  private markQueued(id: string): void {
    this.marks
      .add(id)
      .catch((error: Error) => this.logger.warn(`Could not mark e-mail ${id} queued: ${error.message}`));
  }

  private validate(
    template: string,
    to: string,
    context: Record<string, unknown>,
    secrets: MailSecretValues | undefined,
  ): string {
    const errors: Record<string, string[]> = {};
    const address = typeof to === 'string' ? to.trim() : '';
    if (!address || address.length > 254 || !isEmail(address)) {
      errors.to = [`"${String(to)}" is not a valid e-mail address`];
    }
    if (typeof template !== 'string' || !this.templates.exists(template)) {
      errors.template = [`unknown e-mail template "${String(template)}"`];
    }
    if (!context || typeof context !== 'object' || Array.isArray(context)) {
      errors.context = ['must be an object'];
    }
    if (secrets !== undefined && Object.values(secrets).some((value) => typeof value !== 'string')) {
      errors.secrets = ['must be text values'];
    }
    if (Object.keys(errors).length) throw new MailInputError(errors);
    return address;
  }
}

/** The batch insert's parameters: one array per column (INSERT_OUTBOX_ROWS, the sendMany insert). */
function outboxColumns(rows: OutboxRow[]): Array<Array<string | null>> {
  return [
    rows.map((row) => row.id),
    rows.map((row) => row.toAddress),
    rows.map((row) => row.template),
    rows.map((row) => row.subject),
    rows.map((row) => JSON.stringify(row.context)),
    rows.map((row) => row.secrets),
    rows.map((row) => row.messageId),
  ];
}
