import type { AppConfigValues } from '../config/config.schema';
import type { JobOptions } from '../jobs/queue/job-queue';
import { attemptsCovering, CAPPED_EXPONENTIAL } from '../jobs/queue/backoff';

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
 * Attempts and delays follow the retry schedule (MAIL_RETRY_*): enough attempts to keep retrying a
 * temporary failure for MAIL_RETRY_WINDOW_MS.
 */
export function mailJobOptions(
  id: string,
  config: Pick<AppConfigValues, 'MAIL_RETRY_DELAY_MS' | 'MAIL_RETRY_MAX_DELAY_MS' | 'MAIL_RETRY_WINDOW_MS'>,
): JobOptions {
  const schedule = { delay: config.MAIL_RETRY_DELAY_MS, max: config.MAIL_RETRY_MAX_DELAY_MS };
  return {
    jobId: id,
    attempts: attemptsCovering(config.MAIL_RETRY_WINDOW_MS, schedule),
    backoff: { type: CAPPED_EXPONENTIAL, options: schedule },
    removeOnComplete: 1_000,
    removeOnFail: 5_000,
  };
}
