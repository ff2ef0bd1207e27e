import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe secret with 256 bits of entropy. */
export function newSecretToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * What the database stores instead of the token: SHA-256 is enough (the token is random, not a
 * password), and it lets the row be found by an index lookup on the hash.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests (or any strings). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A token taken from a URL: only the alphabet and length newSecretToken produces. */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(token);
}
