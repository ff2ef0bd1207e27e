import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { message } from '../i18n/translator';
import { PROJECT_ROOT } from '../paths';

export const PASSWORD_MIN_LENGTH = 8;
// Bounds the work an attacker can make argon2 do per request.
export const PASSWORD_MAX_LENGTH = 256;
const MAX_SIMILARITY = 0.7;

/** Who the password belongs to, for the similarity check. */
export interface PasswordOwner {
  email?: string;
  displayName?: string;
}

/**
 * Ratcliff/Obershelp similarity (what Python's difflib.SequenceMatcher.ratio computes, which
 * Django's UserAttributeSimilarityValidator uses): 2 × matched characters / total characters.
 * Hand-written because it is twenty lines and no maintained npm package implements exactly this.
 */
export function similarity(a: string, b: string): number {
  if (!a.length && !b.length) return 1;
  const matched = (x: string, y: string): number => {
    let bestLength = 0;
    let bestX = 0;
    let bestY = 0;
    for (let i = 0; i < x.length; i++) {
      for (let j = 0; j < y.length; j++) {
        let k = 0;
        while (i + k < x.length && j + k < y.length && x[i + k] === y[j + k]) k++;
        if (k > bestLength) [bestLength, bestX, bestY] = [k, i, j];
      }
    }
    if (!bestLength) return 0;
    return (
      bestLength +
      matched(x.slice(0, bestX), y.slice(0, bestY)) +
      matched(x.slice(bestX + bestLength), y.slice(bestY + bestLength))
    );
  };
  return (2 * matched(a, b)) / (a.length + b.length);
}

/**
 * Django's four default password validators, with its messages: minimum length, similarity to the
 * user's e-mail/name, a list of 20,000 common passwords (data/common-passwords.txt, built by
 * scripts/build-common-passwords.js), and not entirely numeric. Plus argon2id hashing.
 */
@Injectable()
export class PasswordService {
  private common?: Set<string>;

  validate(password: string, owner: PasswordOwner = {}): string[] {
    const errors: string[] = [];
    if (password.length < PASSWORD_MIN_LENGTH) {
      errors.push(message('validation.passwordTooShort', { min: PASSWORD_MIN_LENGTH }));
    }
    if (password.length > PASSWORD_MAX_LENGTH) {
      errors.push(message('validation.passwordTooLong', { max: PASSWORD_MAX_LENGTH }));
    }
    const similarTo = this.similarAttribute(password, owner);
    if (similarTo) errors.push(similarTo);
    if (this.commonPasswords().has(password.trim().toLowerCase())) {
      errors.push('validation.passwordCommon');
    }
    if (/^\d+$/.test(password)) errors.push('validation.passwordNumeric');
    return errors;
  }

  /** argon2id with the library's defaults (19 MiB, 2 passes): the OWASP-recommended minimum. */
  hash(password: string): Promise<string> {
    return hash(password);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    if (!passwordHash.startsWith('$argon2')) return false;
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same time as a real verification, for unknown e-mail addresses, so response times
   * do not reveal which addresses have accounts.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= hash('not-a-real-password-just-for-timing');
    await verify(await this.dummyHash, password).catch(() => false);
  }
  private dummyHash?: Promise<string>;

  private similarAttribute(password: string, owner: PasswordOwner): string | undefined {
    const lowered = password.toLowerCase();
    const attributes: [string, string | undefined][] = [
      ['validation.passwordSimilarEmail', owner.email],
      ['validation.passwordSimilarName', owner.displayName],
    ];
    for (const [label, value] of attributes) {
      if (!value) continue;
      const candidate = value.toLowerCase();
      // Like Django: the whole value and each of its parts (split on non-word characters).
      const parts = [candidate, ...candidate.split(/\W+/).filter((part) => part.length >= 3)];
      if (parts.some((part) => similarity(lowered, part) >= MAX_SIMILARITY)) return label;
    }
    return undefined;
  }

  private commonPasswords(): Set<string> {
    this.common ??= new Set(
      readFileSync(resolve(PROJECT_ROOT, 'data', 'common-passwords.txt'), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
    return this.common;
  }
}
