import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A 256-bit key for one purpose, derived (HKDF-SHA256) from SESSION_SECRET: the secret lives in
 * the configuration, never in the database, and each purpose (`event-planner/mail-secrets/v1`,
 * `event-planner/mfa-totp/v1`, …) gets an unrelated key, so a value sealed or signed for one can
 * never be passed off as another.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', purpose, 32));
}

/** HMAC-SHA256 of `value` under a derived key, base64url: for signatures and peppered digests. */
export function keyedDigest(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/**
 * Seals values that must not be readable at rest (a row, a backup, a read-only database user, the
 * session store): AES-256-GCM under a derived key, with `context` (the row the value belongs to:
 * a message id, `totp:<user id>`) as additional authenticated data, so a sealed value only opens
 * where it was sealed. Written here rather than taken from a library because Node's crypto already
 * is the library; this only fixes the parameters and the format (`v1.<iv>.<tag>.<ciphertext>`,
 * base64url). Changing SESSION_SECRET makes every sealed value unreadable.
 */
export class Sealer {
  constructor(private readonly key: Buffer) {}

  seal(context: string, plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), sealed].map(base64url).join('.');
  }

  /** The value sealed for `context`; throws when the key, the context or the value is not theirs. */
  open(context: string, sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) {
      throw new Error('Sealed value in an unknown format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

function base64url(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}
