import type { Prisma } from '../generated/prisma/client';

/**
 * What the events feature needs from the mail feature (MailService has exactly this signature).
 * Injected under a token so the events module names its dependency in one place.
 */
export interface EventMailer {
  send(
    template: string,
    to: string,
    context: Record<string, unknown>,
    options?: { tx?: Prisma.TransactionClient },
  ): Promise<{ id: string }>;
  /** One template to many recipients, in one statement (inside the caller's transaction). */
  sendMany(
    template: string,
    recipients: Array<{ to: string; context: Record<string, unknown> }>,
    options?: { tx?: Prisma.TransactionClient },
  ): Promise<Array<{ id: string }>>;
}

export const EVENT_MAILER = Symbol('EVENT_MAILER');
