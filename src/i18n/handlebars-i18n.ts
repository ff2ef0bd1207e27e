import type { HelperOptions } from 'handlebars';
import type hbs from 'hbs';
import { INTL_LOCALES, languageOr, type Language } from './languages';
import {
  EVENT_DATE,
  formatDateTime,
  formatDateTimeRange,
  formatNumber,
  translate,
  translateMessage,
} from './translator';

type Handlebars = typeof hbs.handlebars;

/** The language a template renders in: `lang` of its root context (res.locals.lang, a mail's context). */
export function languageOfTemplate(options: HelperOptions | undefined): Language {
  const root = (options?.data as { root?: { lang?: unknown } } | undefined)?.root;
  return languageOr(root?.lang);
}

/**
 * Registers the translation helpers on a Handlebars instance (pages, and each of the mail's):
 * - `{{t "key" name=value count=n}}`: a catalogue message. Its result is text, escaped by
 *   Handlebars like any value; keys ending in `_html` hold markup (a link inside a sentence), so
 *   their parameters are escaped here and the result is not (the catalogue is ours, as in Rails).
 * - `{{tm value}}`: a message descriptor (see translateMessage) or plain text, translated if it is
 *   a key.
 * - `{{formatDate iso timeZone}}`, `{{formatRange startIso endIso timeZone}}`, `{{number n}}`: in
 *   the template's language (event pages format at render: their cached data holds instants).
 * - `{{intlLocale}}`: the template language's Intl locale, for scripts that format in the browser.
 * `escape: false` for the plain-text instances (subjects, text parts), which escape nothing.
 */
export function registerI18nHelpers(handlebars: Handlebars, escape = true): void {
  handlebars.registerHelper('t', function (key: unknown, options: HelperOptions) {
    const language = languageOfTemplate(options);
    const name = String(key);
    const hash = (options?.hash ?? {}) as Record<string, unknown>;
    if (escape && name.endsWith('_html')) {
      const params = Object.fromEntries(
        Object.entries(hash).map(([param, value]) => [
          param,
          typeof value === 'number' ? value : handlebars.escapeExpression(String(value ?? '')),
        ]),
      );
      return new handlebars.SafeString(translate(language, name, params));
    }
    return translate(language, name, hash);
  });
  handlebars.registerHelper('tm', (value: unknown, options: HelperOptions) =>
    translateMessage(value, languageOfTemplate(options)),
  );
  handlebars.registerHelper('formatDate', (value: unknown, timeZone: unknown, options: HelperOptions) => {
    if (!value) return '';
    const zone = typeof timeZone === 'string' ? timeZone : 'UTC';
    return formatDateTime(value as string, languageOfTemplate(options), zone, EVENT_DATE);
  });
  handlebars.registerHelper(
    'formatRange',
    (start: unknown, end: unknown, timeZone: unknown, options: HelperOptions) => {
      if (!start) return '';
      const zone = typeof timeZone === 'string' ? timeZone : 'UTC';
      return formatDateTimeRange(
        start as string,
        (end || start) as string,
        languageOfTemplate(options),
        zone,
        EVENT_DATE,
      );
    },
  );
  handlebars.registerHelper(
    'intlLocale',
    (options: HelperOptions) => INTL_LOCALES[languageOfTemplate(options)],
  );
  // An event's time in an e-mail, from the ISO instant and zone in its context (eventMailContext);
  // a message recorded before those existed has only the English text.
  handlebars.registerHelper('eventDate', (event: unknown, field: unknown, options: HelperOptions) => {
    const values = (event ?? {}) as Record<string, unknown>;
    const iso = values[`${String(field)}Iso`];
    if (typeof iso !== 'string') return String(values[String(field)] ?? '');
    return formatDateTime(iso, languageOfTemplate(options), String(values.timeZone ?? 'UTC'), EVENT_DATE);
  });
  handlebars.registerHelper('number', (value: unknown, options: HelperOptions) =>
    typeof value === 'number' ? formatNumber(value, languageOfTemplate(options)) : String(value ?? ''),
  );
}
