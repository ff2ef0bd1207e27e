import { Prisma } from '../generated/prisma/client';
import { message } from '../i18n/translator';
import type { FieldErrors } from '../web/forms';
import { INT4_MAX, parseRecordId } from '../web/route-params';
import type { AdminField } from './admin-site';
import type { DmmfField } from './dmmf';
import type { AdminRow } from './model-admin';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A primary key from a URL or form, or undefined when it cannot be one (→ 404 / field error). */
export function parsePk(
  field: Pick<DmmfField, 'type' | 'nativeType'>,
  raw: string,
): string | number | undefined {
  const value = raw.trim();
  if (field.type === 'Int') return parseRecordId(value);
  if (field.nativeType?.[0] === 'Uuid') return UUID.test(value) ? value.toLowerCase() : undefined;
  return value && value.length <= 200 ? value : undefined;
}

/** Value as an HTML form shows it. */
export function formValue(field: AdminField, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 19);
  if (field.widget === 'json') return JSON.stringify(value, null, 2);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Value as the admin log stores it (JSON-safe). */
export function logValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `(${value.length} bytes)`;
  if (value instanceof Prisma.Decimal) return value.toString();
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(logValue(a)) === JSON.stringify(logValue(b));
}

/**
 * A submitted form as the body parsers deliver it. Fields are text, or lists of text for repeated
 * names, but a request may send anything (`title[x]=1` is an object, JSON bodies have numbers):
 * parseForm refuses those at the field.
 */
export type SubmittedForm = Record<string, unknown>;

/** A form value of the shape forms send: text, or text repeated (a list); undefined when absent. */
type FormValue = string | string[] | undefined;

function isFormValue(value: unknown): value is FormValue {
  return (
    value === undefined ||
    typeof value === 'string' ||
    (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  );
}

function single(value: FormValue): string {
  if (Array.isArray(value)) return value[value.length - 1] ?? '';
  return value ?? '';
}

function many(value: FormValue): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item) => item !== '');
}

/** One text value of a submitted field (the first of a list); '' when absent or not text. */
export function formText(value: unknown): string {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : '';
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** `YYYY-MM-DDTHH:MM[:SS]` (a datetime-local input, read as UTC) or full ISO 8601. */
export function parseDateTime(raw: string): Date | undefined {
  const match = DATE_TIME.exec(raw.trim());
  if (!match) return undefined;
  const date = new Date(match[8] ? raw.trim().replace(' ', 'T') : `${raw.trim().replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  // Reject rollovers such as 2026-02-31.
  if (!match[8] && date.getUTCDate() !== Number(match[3])) return undefined;
  return date;
}

export interface ParsedForm {
  /** Scalar values to write (foreign keys included). */
  data: AdminRow;
  /** Many-to-many: relation name → ids of the other side. */
  links: Record<string, (string | number)[]>;
  errors: FieldErrors;
}

/**
 * Type-checks a submitted form against the generated fields. Required fields, lengths, numbers,
 * dates, enums and JSON are checked here; relation existence and uniqueness by the caller.
 * `adding`: empty optional fields with a database default are left to the default. The errors are
 * message descriptors, translated where the form is shown.
 */
export function parseForm(
  fields: AdminField[],
  body: SubmittedForm,
  adding: boolean,
  pkOf: (target: string) => DmmfField | undefined,
): ParsedForm {
  const data: AdminRow = {};
  const links: Record<string, (string | number)[]> = {};
  const errors: FieldErrors = {};
  const fail = (field: AdminField, message: string) =>
    (errors[field.name] = [...(errors[field.name] ?? []), message]);
  for (const field of fields) {
    if (field.readonly) continue;
    const submitted = body[field.name];
    if (!isFormValue(submitted)) {
      fail(
        field,
        message(field.widget === 'm2m' ? 'admin.validation.listOfIds' : 'admin.validation.singleValue'),
      );
      continue;
    }
    if (field.widget === 'm2m') {
      const target = pkOf(field.m2m?.target ?? '');
      const raw = many(submitted)
        .flatMap((item) => item.split(/[\s,]+/))
        .filter(Boolean);
      const ids = raw.map((item) => (target ? parsePk(target, item) : undefined));
      if (ids.some((id) => id === undefined)) fail(field, message('admin.validation.validIds'));
      else links[field.name] = [...new Set(ids as (string | number)[])];
      continue;
    }
    if (field.widget === 'checkbox') {
      data[field.name] = ['on', 'true', '1', 'yes'].includes(single(submitted).toLowerCase());
      continue;
    }
    const raw = single(submitted);
    const text =
      field.widget === 'textarea' || field.widget === 'json' ? raw.replace(/\r\n/g, '\n') : raw.trim();
    if (text.trim() === '') {
      if (field.nullable) data[field.name] = field.dmmf.type === 'Json' ? Prisma.DbNull : null;
      else if (field.required) fail(field, message('admin.validation.required'));
      else if (field.dmmf.type === 'String' && !adding) data[field.name] = '';
      else if (field.dmmf.type === 'String' && field.dmmf.default === '') data[field.name] = '';
      else if (!adding) fail(field, message('admin.validation.required'));
      continue;
    }
    switch (field.widget) {
      case 'fk': {
        const target = pkOf(field.relation?.target ?? '');
        const id = target ? parsePk(target, text) : undefined;
        if (id === undefined) fail(field, message('admin.validation.validId'));
        else data[field.name] = id;
        break;
      }
      case 'select':
        if (!field.enumValues?.includes(text))
          fail(field, message('admin.validation.invalidChoice', { value: text }));
        else data[field.name] = text;
        break;
      case 'datetime': {
        const date = parseDateTime(text);
        if (!date) fail(field, message('admin.validation.dateTime'));
        else data[field.name] = date;
        break;
      }
      case 'json':
        try {
          data[field.name] = JSON.parse(text) as unknown;
        } catch {
          fail(field, message('admin.validation.json'));
        }
        break;
      case 'number':
        parseNumber(
          field,
          text,
          (value) => (data[field.name] = value),
          (message) => fail(field, message),
        );
        break;
      default:
        if (field.maxLength !== undefined && text.length > field.maxLength) {
          fail(field, message('admin.validation.maxLength', { count: field.maxLength, length: text.length }));
        } else data[field.name] = text;
    }
  }
  return { data, links, errors };
}

function parseNumber(
  field: AdminField,
  text: string,
  set: (value: unknown) => void,
  fail: (message: string) => void,
): void {
  switch (field.dmmf.type) {
    case 'Int': {
      if (!/^-?\d+$/.test(text) || Math.abs(Number(text)) > INT4_MAX)
        return fail(message('admin.validation.wholeNumber'));
      return set(Number(text));
    }
    case 'BigInt':
      if (!/^-?\d{1,19}$/.test(text)) return fail(message('admin.validation.wholeNumber'));
      return set(BigInt(text));
    case 'Decimal':
      if (!/^-?\d+(\.\d+)?$/.test(text)) return fail(message('admin.validation.number'));
      return set(new Prisma.Decimal(text));
    default: {
      const number = Number(text);
      if (!Number.isFinite(number)) return fail(message('admin.validation.number'));
      return set(number);
    }
  }
}
