import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TFunction } from 'i18next';
import { LANGUAGE_NAMES, LANGUAGES, languageOr, negotiateLanguage, type Language } from './languages';
import { translatorFor } from './translator';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The language this request is answered in (see languageMiddleware). */
      language: Language;
      /** Translates into `language`. */
      t: TFunction;
    }
  }
}

/**
 * The switcher's buttons. Each name is written as HTML character references (`&#1059;…`), the same
 * text to a browser: the footer is on every page, and its Cyrillic names alone made every English
 * page a two-byte string in V8, which Express then encodes as UTF-16 rather than as one-byte text
 * (~5 % of an uncached home page's CPU).
 */
const SWITCHER = LANGUAGES.map((code) => ({ code, nameHtml: asciiHtml(LANGUAGE_NAMES[code]) }));

/** The switcher as each language's pages show it (its own button current): built once, frozen. */
const SWITCHER_IN = new Map(
  LANGUAGES.map((language) => [
    language,
    Object.freeze(SWITCHER.map((entry) => Object.freeze({ ...entry, current: entry.code === language }))),
  ]),
);

/**
 * `text` (no markup in it) as ASCII HTML: every other character as a numeric reference. Joined
 * from pieces, not `replace`d: V8 builds a replace's result in the subject's representation, so
 * the ASCII answer for a Cyrillic name was still a two-byte string (and with it every page).
 */
function asciiHtml(text: string): string {
  return Array.from(text, (char) => (/[\x20-\x7e]/.test(char) ? char : `&#${char.codePointAt(0)};`)).join('');
}

/**
 * `res.locals.hasSession`, asked when the footer renders (Handlebars' `if` calls a function): a form
 * earlier on the page may have started the session by printing its token. Returned from a function,
 * not written as a literal into the property: see deferredStart in src/accounts/web-session.ts.
 */
function sessionPresence(req: Request): () => boolean {
  return () => Boolean(req.session);
}

/**
 * Picks each request's language: the member's profile choice, else the switcher's cookie, else
 * Accept-Language, else English (negotiateLanguage; the anonymous page cache keys on the same
 * answer). After the sessions (it needs req.user). Sets `req.language`, `req.t`, the locals every
 * page uses (`lang` for `<html lang>` and the `t` helper, the footer switcher's data) and
 * Content-Language; `Vary` names what the choice depends on, for caches between us and the reader.
 */
export function languageMiddleware(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const language = req.user?.language ? languageOr(req.user.language) : negotiateLanguage(req.headers);
    req.language = language;
    req.t = translatorFor(language);
    res.locals.lang = language;
    res.locals.languages = SWITCHER_IN.get(language);
    // Where the switcher brings the reader back to: this page (a path of ours, never a full URL).
    res.locals.switcherNext = req.method === 'GET' && req.originalUrl.startsWith('/') ? req.originalUrl : '/';
    res.locals.hasSession = sessionPresence(req);
    res.setHeader('Content-Language', language);
    res.vary('Accept-Language');
    next();
  };
}
