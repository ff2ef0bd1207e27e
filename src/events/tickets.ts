import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { deriveKey, keyedDigest } from '../core/sealing';

/** Characters of the HMAC kept in the URL: 128 bits, so the QR code stays small and easy to scan. */
const SIGNATURE_LENGTH = 22;

/** A ticket as its URL spells it: `/tickets/<rsvp id>/<signature>`. */
export interface TicketRef {
  rsvpId: number;
  signature: string;
}

/**
 * Tickets: a check-in URL per RSVP, signed with an HMAC under a key derived from SESSION_SECRET,
 * so nothing is stored and nobody can make up a ticket from an RSVP id. The signature covers the
 * event as well as the RSVP: a ticket only ever opens the RSVP of the event it was issued for.
 * A ticket is an entry credential, so e-mails carry it as a sealed secret (MailService), never in
 * readable context.
 */
@Injectable()
export class TicketSigner {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = deriveKey(config.values.SESSION_SECRET, 'event-planner/tickets/v1');
  }

  sign(eventId: number, rsvpId: number): string {
    return keyedDigest(this.key, `${eventId}:${rsvpId}`).slice(0, SIGNATURE_LENGTH);
  }

  /** The ticket's path (the QR code holds it as an absolute URL). */
  path(eventId: number, rsvpId: number): string {
    return `/tickets/${rsvpId}/${this.sign(eventId, rsvpId)}`;
  }

  /** Whether `signature` is the one issued for this RSVP of this event (constant time). */
  verify(eventId: number, rsvpId: number, signature: string): boolean {
    const expected = Buffer.from(this.sign(eventId, rsvpId));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The ticket in a scanned or typed text: its absolute URL (what a QR scanner types), its path,
   * or `<rsvp id>/<signature>`. Undefined when it is none of these.
   */
  parse(text: string): TicketRef | undefined {
    const match = /(?:^|\/tickets\/)([1-9]\d{0,9})\/([A-Za-z0-9_-]{22})\/?(?:[?#].*)?$/.exec(text.trim());
    if (!match) return undefined;
    const rsvpId = Number(match[1]);
    return rsvpId <= 2_147_483_647 ? { rsvpId, signature: match[2] } : undefined;
  }
}
