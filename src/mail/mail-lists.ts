import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { deriveKey, keyedDigest } from '../core/sealing';

/**
 * The e-mails a member may turn off (their "lists"), each a preference column on the user. Every
 * other template is transactional (verification, password reset, RSVP confirmations, changes to an
 * event one is going to) and always goes.
 */
export const MAIL_LISTS = ['announcements', 'reminders'] as const;
export type MailList = (typeof MAIL_LISTS)[number];

/** The list a template belongs to, for the templates that belong to one. */
const LIST_OF_TEMPLATE: Readonly<Record<string, MailList>> = {
  event_announcement: 'announcements',
  event_reminder: 'reminders',
};

export function listOfTemplate(template: string): MailList | undefined {
  return Object.hasOwn(LIST_OF_TEMPLATE, template) ? LIST_OF_TEMPLATE[template] : undefined;
}

export function isMailList(value: unknown): value is MailList {
  return typeof value === 'string' && (MAIL_LISTS as readonly string[]).includes(value);
}

/** The user column of each list's preference. */
export const LIST_PREFERENCE = {
  announcements: 'emailAnnouncements',
  reminders: 'emailReminders',
} as const satisfies Record<MailList, string>;

/** What a list message's headers and footer carry (RFC 2369 / RFC 8058). */
export interface UnsubscribeHeaders {
  url: string;
  headers: Array<[string, string]>;
}

/**
 * Signed one-click unsubscribe links: `/email/unsubscribe/<user id>.<list>.<HMAC>`. The signature
 * (HMAC-SHA256 under a key derived from SESSION_SECRET for this purpose only) is what lets the link
 * work without signing in, and only for that member and that list; it never expires, as mail
 * clients keep the List-Unsubscribe header for as long as the message. Hand-written because it is
 * one HMAC with Node's crypto (the library); nothing is stored, so it is computed again when the
 * worker renders the message, never kept in the outbox.
 */
@Injectable()
export class UnsubscribeLinks {
  private readonly key: Buffer;

  constructor(private readonly config: AppConfig) {
    this.key = deriveKey(config.values.SESSION_SECRET, 'event-planner/unsubscribe/v1');
  }

  token(userId: number, list: MailList): string {
    return `${userId}.${list}.${this.signature(userId, list)}`;
  }

  url(userId: number, list: MailList): string {
    return this.config.absoluteUrl(`/email/unsubscribe/${this.token(userId, list)}`);
  }

  /** The member and list a token was signed for, or undefined for anything else (tampered, malformed). */
  verify(token: unknown): { userId: number; list: MailList } | undefined {
    if (typeof token !== 'string' || token.length > 200) return undefined;
    const match = /^([1-9]\d{0,9})\.([a-z]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const [, id, list, signature] = match;
    const userId = Number(id);
    if (!isMailList(list) || userId > 2_147_483_647) return undefined;
    const expected = Buffer.from(this.signature(userId, list));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? { userId, list }
      : undefined;
  }

  /**
   * The headers of a list message: the https link for RFC 8058's one-click POST (Gmail and Yahoo
   * require it of bulk senders). No mailto: address, as nothing here reads incoming mail.
   */
  headersFor(userId: number, list: MailList): UnsubscribeHeaders {
    const url = this.url(userId, list);
    return {
      url,
      headers: [
        ['List-Unsubscribe', `<${url}>`],
        ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
      ],
    };
  }

  /**
   * A list message's (announcement, reminder) link and headers, signed for the member recorded as
   * `recipientId` in its context; undefined for transactional templates.
   */
  forMessage(template: string, context: Record<string, unknown>): UnsubscribeHeaders | undefined {
    const list = listOfTemplate(template);
    const userId = context.recipientId;
    if (!list || typeof userId !== 'number' || !Number.isSafeInteger(userId) || userId < 1) return undefined;
    return this.headersFor(userId, list);
  }

  private signature(userId: number, list: MailList): string {
    return keyedDigest(this.key, `${userId}:${list}`);
  }
}
