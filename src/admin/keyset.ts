import { dmmfEnum, type DmmfField } from './dmmf';
import type { AdminRow } from './model-admin';

/**
 * Keyset ("seek") pagination for the change list. OFFSET reads every row it skips, so page 40,000
 * of a million events would read a million rows; a page that starts after the last row of the
 * page before (`WHERE (sort, id) > (last sort, last id)`, the ordering's index) reads one page of
 * rows however deep it is. Prisma has no row-value comparison, so the seek condition is spelled
 * out lexicographically (one OR branch per key), with a plain range on the first key so that
 * PostgreSQL starts the index scan at the cursor.
 *
 * Hand-written because no library builds seek conditions over a generic Prisma `where`
 * (prisma's own `cursor` needs the cursor row to still exist and re-reads it each time).
 */

/** One key of the list's ordering: the field and its direction. */
export interface SortKey {
  field: DmmfField;
  direction: 'asc' | 'desc';
}

/**
 * A position in the list carried by a link: the key values of the last row of page `page`
 * (`after`), or of the first row of page `page` (`before`).
 */
export interface ListCursor {
  direction: 'after' | 'before';
  page: number;
  /** One JSON value per sort key (dates as ISO strings, big integers and decimals as strings). */
  values: CursorValue[];
}

export type CursorValue = string | number | boolean | null;

const CURSOR = /^([ab])(\d{1,9})\.([A-Za-z0-9_-]{1,1000})$/;

export function encodeCursor(cursor: ListCursor): string {
  const json = Buffer.from(JSON.stringify(cursor.values)).toString('base64url');
  return `${cursor.direction === 'after' ? 'a' : 'b'}${cursor.page}.${json}`;
}

/** A cursor from a query string, or undefined for anything malformed (the link then acts as `?p=`). */
export function decodeCursor(text: string): ListCursor | undefined {
  const match = CURSOR.exec(text);
  if (!match) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(match[3], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || !values.length || values.length > 10) return undefined;
  if (!values.every((value) => value === null || ['string', 'number', 'boolean'].includes(typeof value))) {
    return undefined;
  }
  const page = Number(match[2]);
  if (page < 1) return undefined;
  return { direction: match[1] === 'a' ? 'after' : 'before', page, values: values as CursorValue[] };
}

/** Field types the seek condition can compare (every scalar PostgreSQL orders, plus enums). */
function enumOrder(field: DmmfField): readonly (string | boolean)[] | undefined {
  if (field.kind === 'enum') return dmmfEnum(field.type)?.values.map((value) => value.name);
  if (field.type === 'Boolean') return [false, true];
  return undefined;
}

/** A row's key value as it travels in a link. */
export function cursorValueOf(value: unknown): CursorValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  // Prisma's Decimal
  return String(value);
}

/** The cursor values of a row for these keys. */
export function keyOf(row: AdminRow, keys: readonly SortKey[]): CursorValue[] {
  return keys.map((key) => cursorValueOf(row[key.field.name]));
}

/** A link's value back as Prisma takes it for this field, or `invalid`. */
function parseValue(field: DmmfField, value: CursorValue): unknown {
  if (value === null) return field.isRequired ? INVALID : null;
  const order = enumOrder(field);
  if (order) return order.includes(value as string | boolean) ? value : INVALID;
  switch (field.type) {
    case 'Int':
      return Number.isSafeInteger(value) ? value : INVALID;
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value) ? value : INVALID;
    case 'BigInt':
      return typeof value === 'string' && /^-?\d{1,20}$/.test(value) ? BigInt(value) : INVALID;
    case 'Decimal':
      return typeof value === 'string' && /^-?\d{1,40}(\.\d{1,40})?$/.test(value) ? value : INVALID;
    case 'String':
      return typeof value === 'string' ? value : INVALID;
    case 'DateTime': {
      const date = typeof value === 'string' ? new Date(value) : undefined;
      return date && !Number.isNaN(date.getTime()) ? date : INVALID;
    }
    default:
      return INVALID;
  }
}

const INVALID = Symbol('invalid');

/** Whether every key can be sought on (else the list pages with OFFSET, within its limit). */
export function seekable(keys: readonly SortKey[]): boolean {
  return keys.every(
    (key) =>
      enumOrder(key.field) !== undefined ||
      ['Int', 'Float', 'BigInt', 'Decimal', 'String', 'DateTime'].includes(key.field.type),
  );
}

/** The same keys in the opposite order (to read the page before a cursor, backwards). */
export function reversed(keys: readonly SortKey[]): SortKey[] {
  return keys.map((key) => ({ ...key, direction: key.direction === 'asc' ? 'desc' : 'asc' }));
}

export function orderByOf(keys: readonly SortKey[]): Record<string, 'asc' | 'desc'>[] {
  return keys.map((key) => ({ [key.field.name]: key.direction }));
}

/**
 * Prisma `where` for the rows strictly after `values` in the ordering `keys`, or undefined when
 * the values do not fit the keys (a stale or forged link). PostgreSQL sorts NULLs last ascending
 * and first descending (Prisma's default, which the list uses), so "after NULL" ascending is only
 * the other NULLs, and descending it is every non-NULL value.
 */
export function seekWhere(
  keys: readonly SortKey[],
  values: readonly CursorValue[],
): Record<string, unknown> | undefined {
  if (values.length !== keys.length || !seekable(keys)) return undefined;
  const parsed = keys.map((key, index) => parseValue(key.field, values[index]));
  if (parsed.includes(INVALID)) return undefined;
  const equal = (key: SortKey, value: unknown) => ({
    [key.field.name]: value === null ? null : { equals: value },
  });
  /** Rows whose `key` comes strictly after `value`; undefined when none can. */
  const strictlyAfter = (key: SortKey, value: unknown): Record<string, unknown> | undefined => {
    const name = key.field.name;
    const nullable = !key.field.isRequired;
    if (value === null) return key.direction === 'desc' ? { [name]: { not: null } } : undefined;
    const order = enumOrder(key.field);
    let condition: Record<string, unknown>;
    if (order) {
      const at = order.indexOf(value as string | boolean);
      const later = order.filter((_, index) => (key.direction === 'asc' ? index > at : index < at));
      if (!later.length) return nullable && key.direction === 'asc' ? { [name]: null } : undefined;
      condition = { [name]: { in: later } };
    } else {
      condition = { [name]: { [key.direction === 'asc' ? 'gt' : 'lt']: value } };
    }
    return nullable && key.direction === 'asc' ? { OR: [condition, { [name]: null }] } : condition;
  };
  const branches: Record<string, unknown>[] = [];
  for (let index = 0; index < keys.length; index++) {
    const strict = strictlyAfter(keys[index], parsed[index]);
    if (!strict) continue;
    branches.push({ AND: [...keys.slice(0, index).map((key, i) => equal(key, parsed[i])), strict] });
  }
  if (!branches.length) return { [keys[0].field.name]: { in: [] } };
  const seek: Record<string, unknown> = { OR: branches };
  // The range PostgreSQL can start its index scan at (the OR alone it would filter row by row).
  const first = keys[0];
  if (first.field.isRequired && !enumOrder(first.field)) {
    return {
      AND: [{ [first.field.name]: { [first.direction === 'asc' ? 'gte' : 'lte']: parsed[0] } }, seek],
    };
  }
  return seek;
}
