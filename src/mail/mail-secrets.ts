import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/** Values a message needs to render that must not be readable at rest: one-time links. */
export type MailSecretValues = Record<string, string>;

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals a message's secrets (a password-reset or verification link) for `outgoing_emails`, so the
 * row, a backup or a read-only database user reveals nothing usable: AES-256-GCM with a key
 * derived (HKDF-SHA256) from SESSION_SECRET, which lives in the configuration, not the database.
 * The message id is the additional authenticated data, so a sealed value only opens on its own
 * row. Written here rather than taken from a library because Node's crypto already is the
 * library; this only fixes the parameters and the format (`v1.<iv>.<tag>.<ciphertext>`, base64url).
 * Changing SESSION_SECRET makes the secrets of messages not yet delivered unreadable: those fail
 * (the person asks for a new link), which is also what happens to their sessions.
 */
@Injectable()
export class MailSecrets {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.values.SESSION_SECRET, '', 'event-planner/mail-secrets/v1', 32),
    );
  }

  seal(messageId: string, values: MailSecretValues): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(messageId));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), sealed].map(base64url).join('.');
  }

  /** The values sealed for `messageId`; throws when the key, the row or the value is not theirs. */
  open(messageId: string, sealed: string): MailSecretValues {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) {
      throw new Error('Sealed mail secrets in an unknown format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(messageId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as MailSecretValues;
  }
}

function base64url(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}
