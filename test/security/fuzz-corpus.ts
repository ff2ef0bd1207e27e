import fc from 'fast-check';
import type { NestRoute } from '../support/routes';

/** One request of the fuzz suite: raw (already percent-encoded) path params, query and body. */
export interface FuzzRequest {
  params: Record<string, string>;
  /** Without the `?`; '' for none. */
  query: string;
  body?: { contentType: string; payload: string | Buffer };
  /** What the case is about, for failure messages. */
  label: string;
}

/** Names requests may carry: DTO properties, admin form fields, query parameters (see fuzz.spec). */
export interface FuzzVocabulary {
  fields: string[];
  /** Valid values for the fields that have one, so generated requests get past validation. */
  baseline: Record<string, string>;
  /** Ids of rows that exist (events, users), for numeric params and admin ids. */
  existingIds: string[];
  adminModels: string[];
}

/** Percent-encodes `text` as UTF-8 (lone surrogates, which encodeURIComponent refuses, as U+FFFD). */
export function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
  }
}

export type FormValue = string | FormValue[] | { [key: string]: FormValue };

/** application/x-www-form-urlencoded, with qs's bracket notation for objects. */
export function formEncode(fields: Record<string, FormValue>): string {
  const pairs: string[] = [];
  const add = (key: string, value: FormValue) => {
    if (typeof value === 'string') pairs.push(`${key}=${percentEncode(value)}`);
    else if (Array.isArray(value)) for (const item of value) add(key, item);
    else for (const [sub, item] of Object.entries(value)) add(`${key}%5B${percentEncode(sub)}%5D`, item);
  };
  for (const [key, value] of Object.entries(fields)) add(percentEncode(key), value);
  return pairs.join('&');
}

const json = (value: unknown) => ({ contentType: 'application/json', payload: JSON.stringify(value) });
const form = (fields: Record<string, FormValue>) => ({
  contentType: 'application/x-www-form-urlencoded',
  payload: formEncode(fields),
});
const rawForm = (payload: string) => ({ contentType: 'application/x-www-form-urlencoded', payload });

/** `{"title":{"a":{"a":…"deep"}}}` nested `depth` levels, written out (JSON.stringify would overflow). */
function deepJson(depth: number): string {
  return `{"title":${'{"a":'.repeat(depth)}"deep"${'}'.repeat(depth)}}`;
}

/** Ids and path segments no route should take for a record (each a 404 or 400, never a 500). */
export const HOSTILE_IDS = [
  '99999999999999',
  '2147483648',
  '9223372036854775808',
  '0',
  '-1',
  '1e3',
  '0x10',
  '1.5',
  '%20%201',
  '%00',
  '%FF',
  '%C3%28',
  '%2e%2e',
  '__proto__',
  'x'.repeat(300),
];

/** Dates that cannot be, or barely can. */
export const HOSTILE_DATES = [
  '2031-02-30T10:00',
  '2031-13-01T00:00',
  '2031-00-10T10:00',
  '0000-00-00T00:00',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '2031-03-30T02:30',
  '1970-01-01T00:00:00Z',
  '2031-06-01T25:61',
  'tomorrow',
];

export const HOSTILE_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\uFFFF\uFFFE',
  '\uD800',
  '\u202Eevil',
  'x'.repeat(5_000),
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '{{constructor.constructor}}',
  '../../etc/passwd',
  '//evil.example',
  '/..//evil.example',
  'javascript:alert(1)',
  '-1',
  '0',
  '99999999999999',
  '1e309',
  'NaN',
  'true',
  'null',
  '[]',
  '{}',
  'Europe/Nowhere',
  'draft',
  'cancelled',
  'ａ@example.com',
  'a@example.com',
  `ept_${'A'.repeat(43)}`,
  '\r\nSet-Cookie: x=1',
  ...HOSTILE_DATES,
];

/**
 * The fixed part of the corpus for a route (fast-check runs these first, as examples): the
 * request shapes the security review used, each with the params of the route filled from `ids`.
 */
export function corpusFor(route: NestRoute, vocabulary: FuzzVocabulary): FuzzRequest[] {
  const { fields, baseline } = vocabulary;
  const everyField = <T>(value: T): Record<string, T> =>
    Object.fromEntries(fields.map((field) => [field, value]));
  const hostileParams = paramValues(route, vocabulary);
  const cases: Omit<FuzzRequest, 'params'>[] = [
    { label: 'nothing', query: '' },
    { label: 'missing fields', query: '', body: json({}) },
    { label: 'valid baseline', query: formEncode(baseline), body: form(baseline) },
    { label: 'objects for fields', query: '', body: json(everyField({ x: [1] })) },
    { label: 'wrong types', query: '', body: json(everyField([null, 1, true])) },
    { label: 'numbers and booleans', query: '', body: json({ ...everyField(1e308), title: true }) },
    {
      label: 'nested form fields',
      query: formEncode({ q: { x: '1' }, page: ['1', '2'] }),
      body: form(everyField({ x: '1' })),
    },
    {
      // Past every field's limit (the longest are 10,000 characters), the body under the parser's.
      label: 'huge field values',
      query: `q=${'x'.repeat(8_000)}`,
      body: form({
        ...Object.fromEntries(fields.map((field) => [field, 'y'.repeat(300)])),
        description: 'd'.repeat(10_001),
        message: 'm'.repeat(10_001),
      }),
    },
    { label: 'body over the limit', query: '', body: form({ title: 'z'.repeat(101 * 1024) }) },
    { label: 'deep JSON', query: '', body: { contentType: 'application/json', payload: deepJson(5_000) } },
    { label: 'deep form', query: `q${'[a]'.repeat(500)}=1`, body: rawForm(`title${'[a]'.repeat(5_000)}=1`) },
    {
      label: 'NUL in every field',
      query: 'q=%00&page=1%00',
      body: form(Object.fromEntries(Object.entries(baseline).map(([key, value]) => [key, `${value}\u0000`]))),
    },
    { label: 'NUL in JSON', query: '', body: json({ ...baseline, title: 'a\u0000b', 'na\u0000me': 'x' }) },
    {
      label: 'invalid UTF-8 in form and query',
      query: 'q=%FF%FE&next=%C3%28',
      body: rawForm(fields.map((field) => `${field}=%FF%C3%28`).join('&')),
    },
    {
      label: 'invalid UTF-8 in JSON',
      query: '',
      body: {
        contentType: 'application/json',
        payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      },
    },
    {
      label: '__proto__ keys',
      query: '__proto__=1&constructor[prototype][x]=1',
      body: json(JSON.parse('{"__proto__": {"isStaff": true}, "constructor": {"prototype": {"x": 1}}}')),
    },
    { label: '__proto__ in a form', query: '', body: rawForm('__proto__[isSuperuser]=1&title=ok') },
    {
      label: 'out-of-range numbers',
      query: 'page=99999999999999&pageSize=-1&organizerId=2147483648&p=1e9',
      body: json({ ...baseline, capacity: 99999999999999, organizerId: 2147483648, id: -1, page: 1e21 }),
    },
    {
      label: 'impossible dates',
      query: `from=${HOSTILE_DATES[0]}&to=${percentEncode(HOSTILE_DATES[4])}`,
      body: form({ ...baseline, startsAt: '2031-02-30T10:00', endsAt: '+275760-09-13T00:00:00.001Z' }),
    },
    {
      label: 'dates in a DST gap and reversed',
      query: '',
      body: json({
        ...baseline,
        timeZone: 'Europe/Paris',
        startsAt: '2031-03-30T02:30',
        endsAt: '2031-03-30T02:00',
      }),
    },
    {
      label: 'not a body the content type says',
      query: '',
      body: { contentType: 'application/json', payload: '{"title":' },
    },
  ];
  // A GET takes its input from the path and the query: its cases keep their queries and lose their
  // bodies (the edge treats a body on a GET like any other; one deep one shows it).
  const forRoute =
    route.method === 'get'
      ? cases
          .filter((request) => request.query || request.label === 'nothing' || request.label === 'deep JSON')
          .map((request) => (request.label === 'deep JSON' ? request : { ...request, body: undefined }))
      : cases;
  return forRoute.map((request, index) => ({
    ...request,
    params: hostileParams[index % hostileParams.length],
  }));
}

/** Param sets to cycle through for the fixed corpus: existing rows and hostile ids, for every param. */
function paramValues(route: NestRoute, vocabulary: FuzzVocabulary): Record<string, string>[] {
  if (!route.params.length) return [{}];
  const choices = route.params.map((param) => choicesFor(param, vocabulary));
  const longest = Math.max(...choices.map((list) => list.length));
  return Array.from({ length: longest }, (_, i) =>
    Object.fromEntries(route.params.map((param, p) => [param, choices[p][i % choices[p].length]])),
  );
}

function choicesFor(param: string, vocabulary: FuzzVocabulary): string[] {
  if (param === 'model') return [...vocabulary.adminModels, 'nope', '%00', '%FF', '__proto__', 'constructor'];
  if (param === 'token') return ['x'.repeat(43), '%00', '%FF', 'A'.repeat(101), '..%2F..%2F', '%2e'];
  return [...vocabulary.existingIds, ...HOSTILE_IDS];
}

/** The generated part: random requests built from the vocabulary and the hostile values above. */
export function requestArbitrary(route: NestRoute, vocabulary: FuzzVocabulary): fc.Arbitrary<FuzzRequest> {
  const fieldName = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...vocabulary.fields) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '_csrf', 'a\u0000b') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  );
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()) },
  );
  const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fieldName, tie('value'), { maxKeys: 3 }),
    ),
  }));
  const { value: formValue } = fc.letrec<{ value: FormValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fieldName, tie('value'), { maxKeys: 2 }),
    ),
  }));
  const fieldsOf = <T>(value: fc.Arbitrary<T>) => fc.dictionary(fieldName, value, { maxKeys: 6 });
  const body = fc.oneof(
    fieldsOf(jsonValue).map((fields) => ({ label: 'generated JSON', body: json(fields) })),
    fieldsOf(formValue).map((fields) => ({ label: 'generated form', body: form(fields) })),
    // A valid request with a few fields replaced: reaches the service layer.
    fieldsOf(jsonValue).map((fields) => ({
      label: 'baseline, corrupted (JSON)',
      body: json({ ...vocabulary.baseline, ...fields }),
    })),
    fieldsOf(formValue).map((fields) => ({
      label: 'baseline, corrupted (form)',
      body: form({ ...vocabulary.baseline, ...fields }),
    })),
    fc
      .tuple(
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'multipart/form-data; boundary=x',
        ),
      )
      .map(([bytes, contentType]) => ({
        label: 'random bytes',
        body: { contentType, payload: Buffer.from(bytes) },
      })),
    fc.constant({ label: 'no body', body: undefined }),
  );
  const query = fc.oneof(
    fc.constant(''),
    fieldsOf(formValue).map(formEncode),
    fc.constantFrom(
      'q=%00',
      'q=%FF',
      'page=99999999999999999999',
      'q[]=1&q[]=2',
      'q[a][b][c]=1',
      '__proto__[x]=1',
      '%FF=1',
    ),
  );
  const param = (name: string) =>
    fc.oneof(
      fc.constantFrom(...choicesFor(name, vocabulary)),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(percentEncode),
      fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1_000_000 })).map(String),
    );
  const params = fc.record(Object.fromEntries(route.params.map((name) => [name, param(name)])));
  return fc.record({ params, query, body }).map(({ params, query, body }) => ({ params, query, ...body }));
}
