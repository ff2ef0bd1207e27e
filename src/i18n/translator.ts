import i18next, { type TFunction, type TOptions } from 'i18next';
import { CATALOGUES } from './catalogues';
import { DEFAULT_LANGUAGE, INTL_LOCALES, LANGUAGES, type Language } from './languages';

export { CATALOGUES };

/**
 * i18next, loaded synchronously from the bundled catalogues: plurals by Intl.PluralRules (Ukrainian
 * and Russian have one/few/many), `{{name}}` interpolation, English as every language's fallback.
 * Values are not escaped here: Handlebars escapes what the `t` helper returns (see
 * handlebars-i18n.ts for the `_html` keys).
 */
const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(
    LANGUAGES.map((language) => [language, { translation: CATALOGUES[language] }]),
  ),
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

const fixed = new Map<Language, TFunction>(LANGUAGES.map((language) => [language, i18n.getFixedT(language)]));

/** The translate function of one language. */
export function translatorFor(language: Language): TFunction {
  return fixed.get(language) ?? fixed.get(DEFAULT_LANGUAGE)!;
}

export function translate(language: Language, key: string, params: TOptions = {}): string {
  return translatorFor(language)(key, params);
}

export function hasKey(key: string): boolean {
  // A plural message exists as its forms (`key_one`, `key_other`).
  return (
    i18n.exists(key, { lng: DEFAULT_LANGUAGE }) || i18n.exists(`${key}_other`, { lng: DEFAULT_LANGUAGE })
  );
}

/**
 * Messages that travel before they are shown (validation errors collected from class-validator,
 * flash messages kept in the session, e-mail headlines) are descriptors: a catalogue key with
 * its parameters, `key|name=value&…`, translated where the reader's language is known (the page,
 * the e-mail, or English for the API). A string that is no known key (a message not converted
 * yet, a name) is shown as it is.
 */
export function message(key: string, params: Record<string, string | number> = {}): string {
  const query = new URLSearchParams(
    Object.entries(params).map(([name, value]): [string, string] => [name, String(value)]),
  );
  return query.size ? `${key}|${query.toString()}` : key;
}

const DESCRIPTOR = /^([a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+)(?:\|(.*))?$/s;

export function translateMessage(text: unknown, language: Language): string {
  const value = typeof text === 'string' ? text : String(text ?? '');
  const match = DESCRIPTOR.exec(value);
  if (!match || !hasKey(match[1])) return value;
  const params: Record<string, string | number> = Object.fromEntries(new URLSearchParams(match[2] ?? ''));
  // `count` drives plurals, which need a number.
  if (typeof params.count === 'string' && /^\d+$/.test(params.count)) params.count = Number(params.count);
  return translate(language, match[1], params);
}

/** How event times read: "Tue, 1 Dec 2026, 19:00 CET", "вт, 1 груд. 2026 р., 19:00 CET". */
export const EVENT_DATE: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};

const MEDIUM_DATE_TIME: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };

const dateFormats = new Map<string, Intl.DateTimeFormat>();
// A style's part of the remembered texts' keys: a number per style object, cheaper to key on than
// its JSON (styles are constants; one written inline gets a new number each time, which only
// costs it the remembered texts).
const styleIds = new WeakMap<Intl.DateTimeFormatOptions, number>();
let stylesSeen = 0;

function styleIdOf(style: Intl.DateTimeFormatOptions): number {
  let id = styleIds.get(style);
  if (id === undefined) {
    id = stylesSeen++;
    styleIds.set(style, id);
  }
  return id;
}

/** One formatter per language, zone and style: building one costs far more than using it. */
function dateFormat(
  language: Language,
  timeZone: string,
  style: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${language}|${timeZone}|${JSON.stringify(style)}`;
  let format = dateFormats.get(key);
  if (!format) {
    let zone = timeZone;
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      zone = 'UTC';
    }
    format = new Intl.DateTimeFormat(INTL_LOCALES[language], { ...style, timeZone: zone });
    dateFormats.set(key, format);
  }
  return format;
}

// Pages print the same few instants again and again (the home page's events, in each language),
// formatted at render since the cached page data holds instants: remembering the texts makes a
// date a Map lookup instead of ICU's ~2 µs. Bounded: emptied when full.
const formattedTexts = new Map<string, string>();
const MAX_FORMATTED_TEXTS = 5000;

/** `value` as people read it in `language`, in `timeZone` (default: medium date, short time). */
export function formatDateTime(
  value: Date | string | number,
  language: Language,
  timeZone = 'UTC',
  style: Intl.DateTimeFormatOptions = MEDIUM_DATE_TIME,
): string {
  const instant = typeof value === 'string' ? value : new Date(value).getTime();
  const key = `${instant}|${language}|${timeZone}|${styleIdOf(style)}`;
  let text = formattedTexts.get(key);
  if (text === undefined) {
    text = dateFormat(language, timeZone, style).format(new Date(value));
    if (formattedTexts.size >= MAX_FORMATTED_TEXTS) formattedTexts.clear();
    formattedTexts.set(key, text);
  }
  return text;
}

/**
 * From `start` to `end` in `language` and `timeZone`, what they share said once: "Wed, 15 Jan
 * 2031, 19:00–22:30 GMT-5" (the date twice only when the end is on another day); just the start
 * when the end is not after it.
 */
export function formatDateTimeRange(
  start: Date | string | number,
  end: Date | string | number,
  language: Language,
  timeZone = 'UTC',
  style: Intl.DateTimeFormatOptions = EVENT_DATE,
): string {
  const format = dateFormat(language, timeZone, style);
  const [from, to] = [new Date(start), new Date(end)];
  return to > from ? format.formatRange(from, to) : format.format(from);
}

export function formatNumber(value: number, language: Language): string {
  return new Intl.NumberFormat(INTL_LOCALES[language]).format(value);
}
