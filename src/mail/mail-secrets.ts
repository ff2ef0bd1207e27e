import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { deriveKey, Sealer } from '../core/sealing';

/** Values a message needs to render that must not be readable at rest: one-time links. */
export type MailSecretValues = Record<string, string>;

/**
 * Seals a message's secrets (a password-reset or verification link) for `outgoing_emails`, so the
 * row, a backup or a read-only database user reveals nothing usable (see Sealer: AES-256-GCM, key
 * derived from SESSION_SECRET). The message id is the additional authenticated data, so a sealed
 * value only opens on its own row. Changing SESSION_SECRET makes the secrets of messages not yet
 * delivered unreadable: those fail (the person asks for a new link), which is also what happens to
 * their sessions.
 */
@Injectable()
export class MailSecrets {
  private readonly sealer: Sealer;

  constructor(config: AppConfig) {
    this.sealer = new Sealer(deriveKey(config.values.SESSION_SECRET, 'event-planner/mail-secrets/v1'));
  }

  seal(messageId: string, values: MailSecretValues): string {
    return this.sealer.seal(messageId, JSON.stringify(values));
  }

  /** The values sealed for `messageId`; throws when the key, the row or the value is not theirs. */
  open(messageId: string, sealed: string): MailSecretValues {
    return JSON.parse(this.sealer.open(messageId, sealed)) as MailSecretValues;
  }
}
