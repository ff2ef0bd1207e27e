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
    options?: { tx?: Prisma.TransactionClient; secrets?: Record<string, string> },
  ): Promise<{ id: string }>;
  /** One template to many recipients, in one statement (inside the caller's transaction). */
  sendMany(
    template: string,
    recipients: Array<{ to: string; context: Record<string, unknown>; secrets?: Record<string, string> }>,
    options?: { tx?: Prisma.TransactionClient },
  ): Promise<Array<{ id: string }>>;
}

/**
 * The sealed values of a going attendee's e-mail: their ticket's path (an entry credential, so
 * never in readable context). Templates show it as a QR code (`qrCode`) and a link.
 */
export const ticketSecrets = (ticketPath: string): Record<string, string> => ({ ticketPath });

export const EVENT_MAILER = Symbol('EVENT_MAILER');
