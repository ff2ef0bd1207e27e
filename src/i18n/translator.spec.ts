import fc from 'fast-check';
import i18next from 'i18next';
import { CATALOGUES, type Catalogue } from './catalogues';
import { LANGUAGES, type Language } from './languages';
import { formatDateTime, formatNumber, hasKey, translate, translatorFor } from './translator';

/** A second i18next with translator.ts's settings and no memo: what every call must answer. */
const reference = i18next.createInstance();
void reference.init({
  resources: Object.fromEntries(
    LANGUAGES.map((language) => [language, { translation: CATALOGUES[language] }]),
  ),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

function keysOf(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([name, value]) =>
    typeof value === 'string' ? [`${prefix}${name}`] : keysOf(value, `${prefix}${name}.`),
  );
}

/** Plural forms are asked for by their base key (`tasks.sent` with a count). */
const KEYS = [
  ...new Set(keysOf(CATALOGUES.en).map((key) => key.replace(/_(zero|one|two|few|many|other)$/, ''))),
];

describe('translate: memoised answers are exactly i18next’s', () => {
  const expectSame = (language: Language, key: string, params: Record<string, unknown>) => {
    const expected = reference.getFixedT(language)(key, { ...params });
    // Twice: the first call fills the memo, the second is answered from it.
    expect(translate(language, key, params)).toBe(expected);
    expect(translate(language, key, params)).toBe(expected);
  };

  it.each(LANGUAGES)('every catalogue key in %s, without and with parameters, asked twice', (language) => {
    for (const key of KEYS) {
      expectSame(language, key, {});
      expectSame(language, key, { name: 'Олена', email: 'a@example.com', max: 200, min: 8 });
      for (const count of [0, 1, 2, 5, 11, 21, 1000]) expectSame(language, key, { count });
    }
  });

  it('keeps apart what i18next tells apart: a count as number or text, absent or undefined', () => {
    const key = 'tasks.sent';
    // A count given as text (as a template could pass one) is no plural count to i18next.
    const asText = (count: string) => ({ count }) as unknown as { count: number };
    expect(translate('uk', key, { count: 1 })).not.toBe(translate('uk', key, asText('1')));
    expect(translate('ru', key, { count: 5 })).toBe(reference.getFixedT('ru')(key, { count: 5 }));
    expect(translate('ru', key, asText('5'))).toBe(reference.getFixedT('ru')(key, asText('5')));
    expect(translate('en', 'banner.unverified', { email: undefined })).toBe(
      reference.getFixedT('en')('banner.unverified', { email: undefined }),
    );
    // Parameters whose text could be mistaken for the memo key's own separators.
    const tricky = { name: '|4:names1:x', x: 'y' };
    expect(translate('en', 'language.submit', tricky)).toBe('Switch to |4:names1:x');
    expect(translate('en', 'language.submit', { name: '|4:names1:x|1:xs1:y' })).toBe(
      'Switch to |4:names1:x|1:xs1:y',
    );
  });

  it('parameters that are objects are passed through, not memoised under their text', () => {
    let reads = 0;
    const name = {
      toString: () => {
        reads += 1;
        return `call ${reads}`;
      },
    };
    expect(translate('en', 'language.submit', { name })).toBe('Switch to call 1');
    expect(translate('en', 'language.submit', { name })).toBe('Switch to call 2');
  });

  it("translatorFor: the usual calls remembered, i18next's other forms passed to it", () => {
    for (const language of LANGUAGES) {
      const t = translatorFor(language);
      const expected = reference.getFixedT(language);
      for (let round = 0; round < 2; round++) {
        expect(t('site.name')).toBe(expected('site.name'));
        expect(t('tasks.sent', { count: 3 })).toBe(expected('tasks.sent', { count: 3 }));
        expect(t('no.such.key', 'A default')).toBe('A default');
        expect(t(['no.such.key', 'site.name'])).toBe(expected('site.name'));
        expect(t('nav', { returnObjects: true })).toEqual(expected('nav', { returnObjects: true }));
      }
    }
  });

  it('hasKey: keys, plural keys, unknown keys, asked twice', () => {
    for (let round = 0; round < 2; round++) {
      expect(hasKey('site.name')).toBe(true);
      expect(hasKey('tasks.sent')).toBe(true);
      expect(hasKey('no.such.key')).toBe(false);
    }
  });
});

describe('translate: messages filled in from their shape are exactly i18next’s', () => {
  /** The placeholders of a key's texts (plural forms included) in a language and in English. */
  const placeholders = (language: Language, key: string): string[] => {
    const texts = [language, 'en' as Language].flatMap((lng) =>
      [key, ...['zero', 'one', 'two', 'few', 'many', 'other'].map((form) => `${key}_${form}`)]
        .map((name) => reference.getResource(lng, 'translation', name) as unknown)
        .filter((text): text is string => typeof text === 'string'),
    );
    const names = texts.flatMap((text) =>
      [...text.matchAll(/\{\{-?\s*([A-Za-z0-9_]+)\s*(?:,[^}]*)?\}\}/g)].map((match) => match[1]),
    );
    return [...new Set(names)];
  };
  // Text i18next could read as its own: replacement patterns, braces, nesting, the shape's marks.
  const value = fc
    .array(
      fc.constantFrom(
        'a',
        'Олена',
        ' ',
        '$&',
        '$1',
        '$$',
        '{',
        '}',
        '{{',
        '}}',
        '$t(',
        'site.name)',
        '\ue000',
        '.',
        ',',
      ),
      { maxLength: 6 },
    )
    .map((pieces) => pieces.join(''));
  const withPlaceholders = LANGUAGES.flatMap((language) =>
    KEYS.map((key) => ({ language, key, names: placeholders(language, key) })).filter(
      ({ names }) => names.length > 0,
    ),
  );

  it('has keys with placeholders to check', () => {
    expect(withPlaceholders.length).toBeGreaterThan(20);
  });

  it('every key with placeholders, in every language, with generated text values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...withPlaceholders),
        fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
        ({ language, key, names }, rounds) => {
          for (const values of rounds) {
            const params = Object.fromEntries(names.map((name, index) => [name, values[index % 3]]));
            expect(translate(language, key, params)).toBe(reference.getFixedT(language)(key, { ...params }));
          }
        },
      ),
      { seed: 14, numRuns: 3_000 },
    );
  });

  it('keeps apart parameter names that run together', () => {
    const { language, key, names } = withPlaceholders.find((entry) => entry.names.length >= 2)!;
    const [first, second] = names;
    const expected = reference.getFixedT(language);
    const apart = { [first]: 'x', [second]: 'y' };
    const together = { [`${first},${second}`]: 'x' };
    for (let round = 0; round < 2; round++) {
      expect(translate(language, key, { ...apart, [first]: `x${round}` })).toBe(
        expected(key, { ...apart, [first]: `x${round}` }),
      );
      expect(translate(language, key, { ...together })).toBe(expected(key, { ...together }));
    }
  });

  it('parameters a text does not use, numbers, and i18next options go to i18next as they are', () => {
    for (const language of LANGUAGES) {
      const expected = reference.getFixedT(language);
      for (const name of ['Ann', 'Bob']) {
        const cases: Array<[string, Record<string, unknown>]> = [
          ['emails.welcome.titleName', { name, unused: name }],
          ['emails.welcome.titleName', { name, count: 2 }],
          ['emails.welcome.titleName', { name, context: 'male' }],
          ['emails.welcome.titleName', { name, lng: 'en' }],
          ['emails.welcome.titleName', { name: 7 }],
          ['site.name', { name }],
        ];
        for (const [key, params] of cases) {
          expect(translate(language, key, params)).toBe(expected(key, { ...params }));
        }
      }
    }
  });
});

describe('formatDateTime and formatNumber: memoised answers are exactly Intl’s', () => {
  const EVENT: Intl.DateTimeFormatOptions = { weekday: 'short', hour: '2-digit', timeZoneName: 'short' };

  it('the same instant in each language and zone, from a Date, an ISO string and milliseconds', () => {
    const instant = new Date('2031-01-15T19:00:00Z');
    for (const language of LANGUAGES) {
      for (const zone of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
        const expected = new Intl.DateTimeFormat({ en: 'en-GB', uk: 'uk-UA', ru: 'ru-RU' }[language], {
          ...EVENT,
          timeZone: zone,
        }).format(instant);
        for (const value of [instant, instant.toISOString(), instant.getTime(), instant.toISOString()]) {
          expect(formatDateTime(value, language, zone, EVENT)).toBe(expected);
        }
      }
    }
    // Another instant under the same format is not answered from the first one's entry.
    expect(formatDateTime('2031-01-15T20:00:00Z', 'en', 'UTC', EVENT)).not.toBe(
      formatDateTime(instant, 'en', 'UTC', EVENT),
    );
    // Styles given inline (a new object each call) are told apart by their contents.
    expect(formatDateTime(instant, 'en', 'UTC', { year: 'numeric' })).toBe('2031');
    expect(formatDateTime(instant, 'en', 'UTC', { month: 'long' })).toBe('January');
  });

  it('an unknown zone formats in UTC; an invalid date throws as Intl does', () => {
    expect(formatDateTime('2031-01-15T19:00:00Z', 'en', 'Mars/Base')).toBe('15 Jan 2031, 19:00');
    expect(() => formatDateTime('not a date', 'en')).toThrow(RangeError);
  });

  it('numbers in each language', () => {
    expect(formatNumber(1234567.5, 'en')).toBe('1,234,567.5');
    expect(formatNumber(1234567.5, 'uk')).toBe(new Intl.NumberFormat('uk-UA').format(1234567.5));
    expect(formatNumber(1234567.5, 'ru')).toBe(new Intl.NumberFormat('ru-RU').format(1234567.5));
  });
});
