import type { IncomingHttpHeaders } from 'node:http';
import Negotiator from 'negotiator';

/** The languages the app speaks; the first is the default (and the fallback of every message). */
export const LANGUAGES = ['en', 'uk', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language's name in itself, for the switcher. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  uk: 'Українська',
  ru: 'Русский',
};

/** The Intl locale dates and numbers are formatted in ("1 Dec 2026" rather than "Dec 1, 2026"). */
export const INTL_LOCALES: Readonly<Record<Language, string>> = { en: 'en-GB', uk: 'uk-UA', ru: 'ru-RU' };

/** The switcher's cookie: a visitor's choice, without an account or a session. */
export const LANGUAGE_COOKIE = 'lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** `value` if it is a language, else the default. */
export function languageOr(value: unknown, fallback: Language = DEFAULT_LANGUAGE): Language {
  return isLanguage(value) ? value : fallback;
}

/** A member's language for what is sent to them (their e-mails): the profile's, else English. */
export function languageOf(user: { language?: string | null } | null | undefined): Language {
  return languageOr(user?.language);
}

/** The `lang` cookie's value, read from the raw header (the page cache runs before cookie-parser). */
function cookieLanguage(cookieHeader: string | undefined): Language | undefined {
  if (!cookieHeader) return undefined;
  const match = /(?:^|;\s*)lang=([a-z]{2})(?:;|$)/.exec(cookieHeader);
  return match && isLanguage(match[1]) ? match[1] : undefined;
}

/**
 * The language of a request without an account's choice: the switcher's cookie, else the best of
 * Accept-Language (negotiator: q-values, `uk-UA` matching `uk`), else English. One function for the
 * pages and for the anonymous page cache (which runs before Express), so they always agree.
 */
export function negotiateLanguage(headers: IncomingHttpHeaders): Language {
  const chosen = cookieLanguage(headers.cookie);
  if (chosen) return chosen;
  if (!headers['accept-language']) return DEFAULT_LANGUAGE;
  const [best] = new Negotiator({ headers }).languages([...LANGUAGES]);
  return languageOr(best);
}
