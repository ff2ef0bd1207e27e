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

// Building an Intl.NumberFormat costs far more than using one.
const numberFormats = new Map<Language, Intl.NumberFormat>();

function numberFormatOf(language: Language): Intl.NumberFormat {
  let format = numberFormats.get(language);
  if (!format) {
    format = new Intl.NumberFormat(INTL_LOCALES[language]);
    numberFormats.set(language, format);
  }
  return format;
}

/** The translate function of one language. */
export function translatorFor(language: Language): TFunction {
  return fixed.get(language) ?? fixed.get(DEFAULT_LANGUAGE)!;
}

/**
 * Answers already computed, by key. Bounded: a memo that fills up (keys from parameters that are
 * names or addresses, from descriptors) starts again empty.
 */
class Memo<Value, Key = string> {
  private entries = new Map<Key, Value>();

  constructor(private readonly limit: number) {}

  get(key: Key, compute: () => Value): Value {
    let value = this.entries.get(key);
    if (value === undefined) {
      value = compute();
      if (this.entries.size >= this.limit) this.entries = new Map();
      this.entries.set(key, value);
    }
    return value;
  }
}

/**
 * What i18next answered before, for calls that will get the same answer again. The catalogues
 * never change while the process runs, so a message's text depends only on its language, key and
 * parameters; i18next's t() costs several microseconds a call (it copies its options object a few
 * times, resolves the key through the fallback languages, then looks for plurals, nesting and
 * interpolation), and a page calls it dozens of times, mostly for the same texts. Only calls whose
 * parameters are plain values (text, numbers) are memoised.
 */
const translations = new Map<Language, Memo<string>>(
  LANGUAGES.map((language) => [language, new Memo(10_000)]),
);

/** The memo key of a call's parameters, or undefined when one is not a plain value. */
function paramsKey(params: TOptions): string | undefined {
  let key = '';
  for (const name in params) {
    const value = (params as Record<string, unknown>)[name];
    const type = typeof value;
    if (!(type === 'string' || type === 'number' || type === 'boolean' || value == null)) return undefined;
    // Lengths make the key unambiguous whatever the text holds; the type is part of it, as count=1
    // (a plural) and count="1" (text) translate differently.
    const text = String(value);
    key += `|${name.length}:${name}${type[0]}${text.length}:${text}`;
  }
  return key;
}

export function translate(language: Language, key: string, params: TOptions = {}): string {
  const memo = translations.get(language);
  const memoKey = memo && paramsKey(params);
  if (memoKey === undefined) return translatorFor(language)(key, params);
  return memo!.get(`${key.length}:${key}${memoKey}`, () => translatorFor(language)(key, params));
}

const knownKeys = new Memo<boolean>(10_000);

export function hasKey(key: string): boolean {
  // A plural message exists as its forms (`key_one`, `key_other`).
  return knownKeys.get(
    key,
    () =>
      i18n.exists(key, { lng: DEFAULT_LANGUAGE }) || i18n.exists(`${key}_other`, { lng: DEFAULT_LANGUAGE }),
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

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** `value` as people read it in `language`, in `timeZone` (default: medium date, short time). */
export function formatDateTime(
  value: Date | string | number,
  language: Language,
  timeZone = 'UTC',
  style: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' },
): string {
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
  return format.format(new Date(value));
}

export function formatNumber(value: number, language: Language): string {
  return numberFormatOf(language).format(value);
}
