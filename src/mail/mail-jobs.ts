import type { JobOptions } from 'bull';
import type { AppConfigValues } from '../config/config.schema';

/** Jobs on the `mail` queue. */
export const MAIL_JOBS = {
  /** Deliver one OutgoingEmail row. The job id is the row id, so it is queued at most once at a time. */
  send: 'send',
} as const;

/**
 * The PostgreSQL NOTIFY channel of messages recorded inside a caller's transaction (payload: the
 * message id), delivered on commit; the worker's relay LISTENs and queues their jobs.
 */
export const MAIL_OUTBOX_CHANNEL = 'mail_outbox';

export interface MailJobData {
  /** OutgoingEmail.id; everything else is read from the row, which is the source of truth. */
  id: string;
}

/**
 * The options every mail job is queued with, by MailService and by the relay alike: the stable job
 * id makes a second `add` for a message still in Redis a no-op, so the two never double-queue.
 */
export function mailJobOptions(
  id: string,
  config: Pick<AppConfigValues, 'MAIL_MAX_ATTEMPTS' | 'MAIL_RETRY_DELAY_MS'>,
): JobOptions {
  return {
    jobId: id,
    attempts: config.MAIL_MAX_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.MAIL_RETRY_DELAY_MS },
    removeOnComplete: 1_000,
    removeOnFail: 5_000,
  };
}
