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

/** i18next's own translate function per language (see translatorFor for the one to use). */
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

/**
 * What i18next answered before, for calls that will get the same answer again. The catalogues
 * never change while the process runs, so a message's text depends only on its language, key and
 * parameters; i18next's t() costs several microseconds a call (it copies its options object a few
 * times, resolves the key through the fallback languages, then looks for plurals, nesting and
 * interpolation), and a page calls it dozens of times, mostly for the same texts. Only calls whose
 * parameters are plain values (text, numbers) are remembered, and only text answers. By key, then
 * parameters: a key written in a template is a constant string, whose hash V8 keeps. Bounded:
 * when full (parameters that are names or addresses) it starts again empty.
 */
class RememberedByKey<Value> {
  private byKey = new Map<string, Map<string, Value>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(key: string, params: string): Value | undefined {
    return this.byKey.get(key)?.get(params);
  }

  set(key: string, params: string, value: Value): void {
    if (this.size >= this.limit) {
      this.byKey = new Map();
      this.size = 0;
    }
    let values = this.byKey.get(key);
    if (!values) this.byKey.set(key, (values = new Map()));
    values.set(params, value);
    this.size++;
  }
}

const remembered = new Map<Language, RememberedByKey<string>>(
  LANGUAGES.map((language) => [language, new RememberedByKey<string>(20_000)]),
);

/** The parameters' part of a remembered text's key ('' for none), or undefined when one is not a plain value. */
function paramsKey(params: TOptions): string | undefined {
  let key = '';
  for (const name in params) {
    const value = (params as Record<string, unknown>)[name];
    const type = typeof value;
    if (!(type === 'string' || type === 'number' || type === 'boolean' || value == null)) return undefined;
    // Lengths make the key unambiguous whatever the text holds; the type is part of it, as count=1
    // (a plural) and count="1" (text) translate differently.
    const text = String(value);
    key += `${name.length}:${name}${type[0]}${text.length}:${text}`;
  }
  return key;
}

/** i18next's options, read from the same object as the parameters: never filled in by a shape. */
const I18NEXT_OPTIONS = new Set([
  'appendNamespaceToCIMode',
  'appendNamespaceToMissingKey',
  'applyPostProcessor',
  'context',
  'count',
  'defaultValue',
  'fallbackLng',
  'formatParams',
  'interpolation',
  'joinArrays',
  'keySeparator',
  'lng',
  'lngs',
  'missingInterpolationHandler',
  'nest',
  'ns',
  'nsSeparator',
  'ordinal',
  'postProcess',
  'replace',
  'returnDetails',
  'returnObjects',
  'skipInterpolation',
]);

/** Stands for parameter `index` while a shape is taken (a private-use character: no catalogue has one). */
const slotMark = (index: number) => `\ue000slot${index}\ue000`;
const SLOT_MARKS = /\ue000slot(\d+)\ue000/;

/**
 * A message's text around its parameters, as i18next answers for any values: `parts[0] +
 * values[slots[0]] + parts[1] + …`. Per key and parameter names, taken once by asking i18next
 * with marks for values.
 */
interface Shape {
  parts: string[];
  slots: number[];
}

/**
 * What makes messages with names in them cheap: `{{t "emails.welcome.titleName" name=…}}` is a
 * new text for every recipient, so the remembered texts never answer it, and i18next costs ~30 µs
 * a call — a third of rendering an e-mail (three such calls), and most of what the subject costs
 * a send. Its shape is the same for every name, so it is filled in instead.
 *
 * Exactly i18next's answer (translator.spec.ts compares on every catalogue key and placeholder
 * with generated values): with interpolation unescaped and `skipOnVariables` (i18next's default),
 * a text value is put in as it is and never looked into again, unless it holds what i18next would
 * read as markup — `{{`, `}}`, `$t(` (which turns nesting off) — and such values go to i18next.
 * Only text parameters, none of them an i18next option, each found once or more in the text; and
 * a shape is kept only if it gave i18next's own answer for the call that took it.
 */
class Shapes {
  // Bounded: parameter names come from templates and code, but descriptors carry any.
  private readonly shapes: RememberedByKey<Shape | null>;

  constructor(limit: number) {
    this.shapes = new RememberedByKey(limit);
  }

  translate(i18nextT: TFunction, key: string, params: TOptions): unknown {
    const names = Object.keys(params);
    const values: string[] = [];
    for (const name of names) {
      const value = (params as Record<string, unknown>)[name];
      if (typeof value !== 'string' || !fillable(name, value)) return i18nextT(key, params);
      values.push(value);
    }
    if (!names.length) return i18nextT(key, params);
    // Lengths keep it unambiguous whatever the names hold (descriptors carry any).
    const signature = names.map((name) => `${name.length}:${name}`).join('');
    const shape = this.shapes.get(key, signature);
    if (shape) return fill(shape, values);
    const text: unknown = i18nextT(key, params);
    if (shape === undefined) {
      const taken = shapeOf(i18nextT, key, names);
      this.shapes.set(
        key,
        signature,
        taken && typeof text === 'string' && fill(taken, values) === text ? taken : null,
      );
    }
    return text;
  }
}

function fillable(name: string, value: string): boolean {
  return (
    !I18NEXT_OPTIONS.has(name) &&
    !name.startsWith('defaultValue') &&
    !value.includes('{{') &&
    !value.includes('}}') &&
    !value.includes('$t(') &&
    !value.includes('\ue000')
  );
}

function shapeOf(i18nextT: TFunction, key: string, names: string[]): Shape | null {
  const marked: unknown = i18nextT(
    key,
    Object.fromEntries(names.map((name, index) => [name, slotMark(index)])),
  );
  if (typeof marked !== 'string') return null;
  const pieces = marked.split(SLOT_MARKS);
  const parts = pieces.filter((_, index) => index % 2 === 0);
  const slots = pieces.filter((_, index) => index % 2 === 1).map(Number);
  return names.every((_, index) => slots.includes(index)) ? { parts, slots } : null;
}

function fill(shape: Shape, values: string[]): string {
  let text = shape.parts[0];
  for (let index = 0; index < shape.slots.length; index++) {
    text += values[shape.slots[index]] + shape.parts[index + 1];
  }
  return text;
}

const shapes = new Map<Language, Shapes>(LANGUAGES.map((language) => [language, new Shapes(10_000)]));

export function translate(language: Language, key: string, params: TOptions = {}): string {
  const i18nextT = fixed.get(language) ?? fixed.get(DEFAULT_LANGUAGE)!;
  const texts = remembered.get(language);
  const memoKey = texts && paramsKey(params);
  if (memoKey === undefined) return i18nextT(key, params);
  let text = texts!.get(key, memoKey);
  if (text === undefined) {
    const answer = (shapes.get(language) ?? shapes.get(DEFAULT_LANGUAGE)!).translate(i18nextT, key, params);
    text = answer as string;
    if (typeof answer === 'string') texts!.set(key, memoKey, answer);
  }
  return text;
}

type AnyTranslate = (key: unknown, options?: unknown, ...rest: unknown[]) => unknown;

/**
 * Per language, i18next's translate function with `translate`'s memory for the usual call
 * (`t(key)`, `t(key, { name: value })`); any other form (several keys, a default value, …) goes to
 * i18next as it is.
 */
const translators = new Map<Language, TFunction>(
  LANGUAGES.map((language) => {
    const i18nextT = fixed.get(language) as unknown as AnyTranslate;
    const t: AnyTranslate = (key, options, ...rest) =>
      typeof key === 'string' &&
      rest.length === 0 &&
      (options === undefined || (typeof options === 'object' && options !== null))
        ? translate(language, key, (options ?? {}) as TOptions)
        : i18nextT(key, options, ...rest);
    return [language, t as unknown as TFunction];
  }),
);

/** The translate function of one language. */
export function translatorFor(language: Language): TFunction {
  return translators.get(language) ?? translators.get(DEFAULT_LANGUAGE)!;
}

const knownKeys = new Map<string, boolean>();

export function hasKey(key: string): boolean {
  let known = knownKeys.get(key);
  if (known === undefined) {
    // A plural message exists as its forms (`key_one`, `key_other`).
    known =
      i18n.exists(key, { lng: DEFAULT_LANGUAGE }) || i18n.exists(`${key}_other`, { lng: DEFAULT_LANGUAGE });
    // Bounded: descriptors may carry any text.
    if (knownKeys.size >= 20_000) knownKeys.clear();
    knownKeys.set(key, known);
  }
  return known;
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
// date a Map lookup instead of ICU's ~2 µs (a range's formatRange, ~7 % of an event page, too).
// Bounded: emptied when full.
const formattedTexts = new Map<string, string>();
const formattedRanges = new Map<string, string>();
const MAX_FORMATTED_TEXTS = 5000;

/** An instant as a memo key: ISO text as it is (no parsing), anything else as epoch milliseconds. */
const instantKey = (value: Date | string | number) =>
  typeof value === 'string' ? value : new Date(value).getTime();

/** `value` as people read it in `language`, in `timeZone` (default: medium date, short time). */
export function formatDateTime(
  value: Date | string | number,
  language: Language,
  timeZone = 'UTC',
  style: Intl.DateTimeFormatOptions = MEDIUM_DATE_TIME,
): string {
  const key = `${instantKey(value)}|${language}|${timeZone}|${styleIdOf(style)}`;
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
  // Keyed as formatDateTime is: a remembered range parses no dates (most of its ~3 % of an
  // event page).
  const key = `${instantKey(start)}|${instantKey(end)}|${language}|${timeZone}|${styleIdOf(style)}`;
  let text = formattedRanges.get(key);
  if (text === undefined) {
    const [from, to] = [new Date(start), new Date(end)];
    const format = dateFormat(language, timeZone, style);
    text = to > from ? format.formatRange(from, to) : format.format(from);
    if (formattedRanges.size >= MAX_FORMATTED_TEXTS) formattedRanges.clear();
    formattedRanges.set(key, text);
  }
  return text;
}

export function formatNumber(value: number, language: Language): string {
  return numberFormatOf(language).format(value);
}
