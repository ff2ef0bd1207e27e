import { createHash } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { LRUCache } from 'lru-cache';
import { message } from '../i18n/translator';
import { PrismaService } from '../prisma/prisma.service';
import { choiceKey } from './admin-labels';
import { AdminSite, type AdminModelInfo, type ListColumn } from './admin-site';
import { delegateOf } from './admin-data';
import { formText as text, parsePk, type SubmittedForm } from './admin-values';
import { keyOf, orderByOf, reversed, seekable, seekWhere, type CursorValue, type SortKey } from './keyset';
import type { AdminRow } from './model-admin';
import {
  ChangeList,
  filterParam,
  type FilterView,
  type ListCount,
  type ListPage,
  type ListParams,
} from './change-list';

/**
 * Tables PostgreSQL estimates (`pg_class.reltuples`) at no more than this many rows are counted
 * exactly. Larger ones are never counted in full: unfiltered, the estimate is shown ("about N");
 * filtered, at most FILTERED_COUNT_LIMIT + 1 matching keys are read in the list's own order (the
 * index the page uses), giving an exact count below that or "more than N".
 */
export const EXACT_COUNT_LIMIT = 10_000;
export const FILTERED_COUNT_LIMIT = 500;
/**
 * A page number typed in (or linked to without a cursor) deeper than this many rows is found by
 * reading only the ordering's keys up to it (index-only), not whole rows.
 */
export const DIRECT_OFFSET_LIMIT = 2_500;
/** An ordering the seek condition cannot express pages by OFFSET, which reads what it skips: this deep at most. */
const UNSEEKABLE_OFFSET_LIMIT = 100_000;
/** Rows between two checkpoints of a list (see ChangeListService.checkpoint). */
const CHECKPOINT_STEP = 10_000;
const CHECKPOINT_TTL_MS = 60_000;
/** Most rows a link may skip past its cursor (the page links near the current one). */
const RELATIVE_SKIP_LIMIT = 10_000;
/**
 * A `relation.field` search looks up at most this many related objects first (by the related
 * table's own index), then matches on the foreign key: a join inside an OR would defeat the
 * indexes of a large table.
 */
const RELATED_SEARCH_LIMIT = 1_000;
const ESTIMATE_TTL_MS = 10_000;
/** Relation filters list the related objects when there are at most this many; else an id box. */
const RELATION_CHOICES_LIMIT = 100;
/** Most objects one bulk action may touch (select-across on a huge table must be narrowed first). */
export const ACTION_LIMIT = 10_000;
/** Objects named on an action's confirmation page (the rest are counted). */
const CONFIRMATION_SAMPLE = 100;
/** Answers of the relation picker's search-as-you-type. */
const LOOKUP_RESULTS = 20;

/** The date filter's ranges and their labels (catalogue keys: the page shows them with {{tm}}). */
export const DATE_RANGES: Record<string, string> = {
  today: 'admin.filter.today',
  past7: 'admin.filter.past7',
  month: 'admin.filter.month',
  year: 'admin.filter.year',
};

function dateRange(key: string, now = new Date()): { gte: Date; lt: Date } | undefined {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  const tomorrow = new Date(Date.UTC(y, m, d + 1));
  switch (key) {
    case 'today':
      return { gte: new Date(Date.UTC(y, m, d)), lt: tomorrow };
    case 'past7':
      return { gte: new Date(Date.UTC(y, m, d - 7)), lt: tomorrow };
    case 'month':
      return { gte: new Date(Date.UTC(y, m, 1)), lt: new Date(Date.UTC(y, m + 1, 1)) };
    case 'year':
      return { gte: new Date(Date.UTC(y, 0, 1)), lt: new Date(Date.UTC(y + 1, 0, 1)) };
    default:
      return undefined;
  }
}

/**
 * Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first: CSV injection) are
 * prefixed with an apostrophe; exported values may come from any signed-up user.
 */
function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Names a set of selected objects in a few bytes (order-independent). */
export function selectionDigest(ids: (string | number)[]): string {
  return createHash('sha256').update(ids.map(String).sort().join(',')).digest('base64url');
}

/**
 * The change list's queries: search, filters, ordering, pagination and the cheap count; the
 * selection a bulk action applies to, and its CSV export; the relation picker's look-up.
 */
@Injectable()
export class ChangeListService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly site: AdminSite,
  ) {}

  /** Prisma `where` for the search terms and filters; unknown or malformed values are ignored. */
  async where(info: AdminModelInfo, params: ListParams): Promise<Record<string, unknown>> {
    const and: Record<string, unknown>[] = [];
    const terms = params.q.trim().split(/\s+/).filter(Boolean).slice(0, 10);
    if (info.searchFields.length) {
      for (const term of terms) {
        const or = await Promise.all(
          info.searchFields.map(async (path) => {
            const [head, tail] = path.split('.', 2);
            const condition = { contains: term, mode: 'insensitive' };
            if (!tail) return { [head]: condition };
            const relation = info.dmmf.fields.find((field) => field.name === head);
            const foreignKey = relation?.relationFromFields?.[0];
            const targetKey = relation?.relationToFields?.[0];
            if (!relation || !foreignKey || !targetKey || relation.relationFromFields?.length !== 1) {
              return { [head]: { is: { [tail]: condition } } };
            }
            const related = await delegateOf(this.prisma, relation.type).findMany({
              where: { [tail]: condition },
              select: { [targetKey]: true },
              take: RELATED_SEARCH_LIMIT,
            });
            return { [foreignKey]: { in: related.map((row) => row[targetKey]) } };
          }),
        );
        and.push({ OR: or });
      }
    }
    for (const filter of info.filters) {
      const value = params.filters[filterParam(filter)];
      if (!value) continue;
      if (value === '__null' && filter.nullable) {
        and.push({ [filter.foreignKey ?? filter.field]: null });
        continue;
      }
      switch (filter.kind) {
        case 'boolean':
          if (value === '1' || value === '0') and.push({ [filter.field]: value === '1' });
          break;
        case 'enum':
          if (filter.enumValues?.includes(value)) and.push({ [filter.field]: value });
          break;
        case 'date': {
          const range = dateRange(value);
          if (range) and.push({ [filter.field]: range });
          break;
        }
        case 'relation': {
          const target = this.site.byName(filter.target ?? '');
          const targetPk = target?.pk ?? { type: 'Int', nativeType: null };
          const id = parsePk(targetPk, value);
          if (id !== undefined && filter.foreignKey) and.push({ [filter.foreignKey]: id });
          break;
        }
      }
    }
    return and.length ? { AND: and } : {};
  }

  /** Validated ordering: `-field,other`, falling back to the model's default; pk appended. */
  ordering(
    info: AdminModelInfo,
    o: string,
  ): { orderBy: Record<string, 'asc' | 'desc'>[]; keys: readonly string[] } {
    const sortable = new Set(info.columns.map((column) => column.sortField).filter(Boolean));
    const requested = o
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part && sortable.has(part.replace(/^-/, '')));
    const keys = requested.length ? requested : info.ordering;
    const orderBy = keys.map(
      (key) =>
        ({ [key.replace(/^-/, '')]: key.startsWith('-') ? 'desc' : 'asc' }) as Record<string, 'asc' | 'desc'>,
    );
    if (!keys.some((key) => key.replace(/^-/, '') === info.pk.name)) {
      orderBy.push({ [info.pk.name]: keys[0]?.startsWith('-') ? 'desc' : 'asc' });
    }
    return { orderBy, keys };
  }

  /**
   * Checkpoints of a list for typed-in page numbers: the sort key of every CHECKPOINT_STEP-th
   * row, found by reading only the ordering's keys (index-only) a step at a time from the last
   * one known, and kept for CHECKPOINT_TTL_MS per list (model, search and filters, ordering).
   * Page 40,000 of a million rows is then a seek from the checkpoint before it plus an OFFSET of
   * under a step, instead of reading a million keys on every view; the first view of a deep page
   * of a list pays for the steps up to it once. Rows added or removed meanwhile shift pages by
   * that many rows until the checkpoints expire, as they shift any page of a changing list.
   * Returns the key of the row just before `offset`, or undefined when the list is shorter.
   */
  private async checkpoint(
    info: AdminModelInfo,
    where: Record<string, unknown>,
    sortKeys: SortKey[],
    offset: number,
  ): Promise<CursorValue[] | undefined> {
    const signature = JSON.stringify([info.name, where, orderByOf(sortKeys)]);
    let marks = this.checkpoints.get(signature);
    if (!marks) {
      marks = [[]];
      this.checkpoints.set(signature, marks);
    }
    const wanted = Math.floor(offset / CHECKPOINT_STEP);
    const delegate = delegateOf(this.prisma, info.name);
    const select = Object.fromEntries(sortKeys.map((key) => [key.field.name, true]));
    // marks[i] is the key of row i * STEP - 1 (the last before offset i * STEP); marks[0] unused.
    while (marks.length <= wanted) {
      const index = marks.length;
      const from = index === 1 ? undefined : marks[index - 1];
      const after = from ? seekWhere(sortKeys, from) : undefined;
      const [row] = await delegate.findMany({
        where: after ? (Object.keys(where).length ? { AND: [where, after] } : after) : where,
        orderBy: orderByOf(sortKeys),
        select,
        skip: CHECKPOINT_STEP - 1,
        take: 1,
      });
      if (!row) break;
      marks.push(keyOf(row, sortKeys));
    }
    const reachable = Math.min(wanted, marks.length - 1);
    if (reachable < 1) {
      // Shallower than one step: read the keys up to it directly.
      const [row] = await delegate.findMany({
        where,
        orderBy: orderByOf(sortKeys),
        select,
        skip: offset - 1,
        take: 1,
      });
      return row ? keyOf(row, sortKeys) : undefined;
    }
    // The list ends before the checkpoint wanted: the page is past its end.
    if (reachable < wanted) return undefined;
    const mark = marks[reachable];
    const rest = offset - reachable * CHECKPOINT_STEP;
    if (!rest) return mark;
    // From the checkpoint to the row before the page, keys only again.
    const [row] = await delegate.findMany({
      where: { AND: [where, seekWhere(sortKeys, mark)!] },
      orderBy: orderByOf(sortKeys),
      select,
      skip: rest - 1,
      take: 1,
    });
    return row ? keyOf(row, sortKeys) : undefined;
  }

  private readonly checkpoints = new LRUCache<string, CursorValue[][]>({
    max: 200,
    ttl: CHECKPOINT_TTL_MS,
  });

  include(columns: ListColumn[]): Record<string, unknown> | undefined {
    const include: Record<string, unknown> = {};
    for (const column of columns) Object.assign(include, column.include ?? {});
    return Object.keys(include).length ? include : undefined;
  }

  /** The ordering as keys the seek condition understands (primary key last). */
  sortKeys(info: AdminModelInfo, orderBy: Record<string, 'asc' | 'desc'>[]): SortKey[] {
    return orderBy.map((entry) => {
      const [name, direction] = Object.entries(entry)[0];
      const field = info.dmmf.fields.find((candidate) => candidate.name === name);
      if (!field) throw new Error(`Admin ${info.name}: no field ${name} to order by`);
      return { field, direction };
    });
  }

  /**
   * One page of the list. A link from another page carries its boundary row's key (`cursor`):
   * the page is read from there by the ordering's index, however deep (keyset pagination). A bare
   * page number (`?p=`, a typed-in jump) is read by OFFSET when shallow; deeper, the key of the
   * row before it is found first by reading only the ordering's keys (an index-only scan of a
   * covering index), then the page is sought from that key like any other.
   */
  async page(info: AdminModelInfo, params: ListParams): Promise<ListPage> {
    const where = await this.where(info, params);
    const { orderBy, keys } = this.ordering(info, params.o);
    const sortKeys = this.sortKeys(info, orderBy);
    const [read, count] = await Promise.all([
      this.readPage(info, where, sortKeys, params),
      this.count(info, where, orderBy),
    ]);
    return { ...read, count, keys };
  }

  private async readPage(
    info: AdminModelInfo,
    where: Record<string, unknown>,
    sortKeys: SortKey[],
    params: ListParams,
  ): Promise<Omit<ListPage, 'count' | 'keys'>> {
    const delegate = delegateOf(this.prisma, info.name);
    const perPage = info.perPage;
    const include = this.include(info.columns);
    const seek = (keys: SortKey[], values: CursorValue[], skip: number) => {
      const after = seekWhere(keys, values);
      if (!after) return undefined;
      return delegate.findMany({
        where: Object.keys(where).length ? { AND: [where, after] } : after,
        orderBy: orderByOf(keys),
        skip,
        take: perPage + 1,
        include,
      });
    };
    const result = (rows: AdminRow[], page: number, hasPrevious: boolean, hasNext: boolean) => ({
      rows,
      page,
      hasPrevious,
      hasNext,
      firstKey: rows.length ? keyOf(rows[0], sortKeys) : undefined,
      lastKey: rows.length ? keyOf(rows[rows.length - 1], sortKeys) : undefined,
      seekable: seekable(sortKeys),
    });

    // From a link: pages after the cursor's page read forwards from its last row, pages before it
    // backwards from its first row (then put back in order).
    const cursor = params.cursor;
    if (cursor && seekable(sortKeys)) {
      const pagesAway =
        cursor.direction === 'after' ? params.page - cursor.page - 1 : cursor.page - params.page - 1;
      if (pagesAway >= 0 && pagesAway * perPage <= RELATIVE_SKIP_LIMIT) {
        if (cursor.direction === 'after') {
          const found = await seek(sortKeys, cursor.values, pagesAway * perPage);
          if (found) {
            return result(found.slice(0, perPage), params.page, true, found.length > perPage);
          }
        } else {
          const found = await seek(reversed(sortKeys), cursor.values, pagesAway * perPage);
          // Fewer than a page before it: that is the start of the list (rows were deleted, or the
          // page numbers were off), shown as page 1.
          if (found && found.length >= perPage) {
            const rows = found.slice(0, perPage).reverse();
            const hasPrevious = found.length > perPage;
            return result(rows, hasPrevious ? Math.max(2, params.page) : 1, hasPrevious, true);
          }
          if (found) return this.readPage(info, where, sortKeys, { ...params, page: 1, cursor: undefined });
        }
      }
    }

    if (!seekable(sortKeys) && (params.page - 1) * perPage > UNSEEKABLE_OFFSET_LIMIT) {
      params = { ...params, page: Math.floor(UNSEEKABLE_OFFSET_LIMIT / perPage) + 1 };
    }
    const skip = (params.page - 1) * perPage;
    if (skip > DIRECT_OFFSET_LIMIT && seekable(sortKeys)) {
      const before = await this.checkpoint(info, where, sortKeys, skip);
      if (!before) return result([], params.page, true, false);
      const found = await seek(sortKeys, before, 0);
      if (found) return result(found.slice(0, perPage), params.page, true, found.length > perPage);
    }
    const found = await delegate.findMany({
      where,
      orderBy: orderByOf(sortKeys),
      skip,
      take: perPage + 1,
      include,
    });
    return result(found.slice(0, perPage), params.page, params.page > 1, found.length > perPage);
  }

  /**
   * The objects a bulk action applies to: the ticked ids, or with "select across" every object the
   * list (`qs`, its query string) matches, re-read now; 'too-many' past ACTION_LIMIT. An id that
   * cannot be a key of the model is a 400.
   */
  async selection(info: AdminModelInfo, body: SubmittedForm): Promise<(string | number)[] | 'too-many'> {
    if (text(body.select_across) === '1') {
      const { params } = ChangeList.fromQueryString(info, text(body.qs));
      const rows = await delegateOf(this.prisma, info.name).findMany({
        where: await this.where(info, params),
        select: { [info.pk.name]: true },
        orderBy: this.ordering(info, params.o).orderBy,
        take: ACTION_LIMIT + 1,
      });
      if (rows.length > ACTION_LIMIT) return 'too-many';
      return rows.map((row) => row[info.pk.name] as string | number);
    }
    const raw = [body._selected_action ?? []].flat();
    const ids = raw.map((value) => parsePk(info.pk, String(value)));
    if (ids.some((id) => id === undefined))
      throw new BadRequestException(message('admin.errors.invalidSelection'));
    if (ids.length > ACTION_LIMIT) return 'too-many';
    return [...new Set(ids as (string | number)[])];
  }

  /** The first objects of a selection by key, named, for its confirmation page. */
  async sample(info: AdminModelInfo, ids: (string | number)[]): Promise<{ id: unknown; repr: string }[]> {
    const rows = await delegateOf(this.prisma, info.name).findMany({
      where: { [info.pk.name]: { in: ids } },
      select: this.site.reprSelect(info),
      orderBy: { [info.pk.name]: 'asc' },
      take: CONFIRMATION_SAMPLE,
    });
    return rows.map((row) => ({ id: row[info.pk.name], repr: this.site.repr(info, row) }));
  }

  /** The selected objects as CSV: the list's columns, one row each, by key. */
  async exportCsv(info: AdminModelInfo, ids: (string | number)[]): Promise<string> {
    const rows = await delegateOf(this.prisma, info.name).findMany({
      where: { [info.pk.name]: { in: ids } },
      include: this.include(info.columns),
      orderBy: { [info.pk.name]: 'asc' },
    });
    return stringify([
      info.columns.map((column) => column.label),
      ...rows.map((row) => info.columns.map((column) => spreadsheetSafe(column.render(row)))),
    ]);
  }

  /**
   * The relation picker's search as you type: the object whose key is `term`, then up to
   * LOOKUP_RESULTS whose repr field contains it (two characters at least).
   */
  async lookup(info: AdminModelInfo, q: string): Promise<{ id: string; label: string }[]> {
    const term = q.trim().slice(0, 100);
    const delegate = delegateOf(this.prisma, info.name);
    const select = this.site.reprSelect(info);
    const results = new Map<string, string>();
    const id = term ? parsePk(info.pk, term) : undefined;
    if (id !== undefined) {
      const exact = await delegate.findUnique({ where: { [info.pk.name]: id }, select });
      if (exact) results.set(String(exact[info.pk.name]), this.site.repr(info, exact));
    }
    const reprField = info.dmmf.fields.find(
      (field) => field.name === info.reprField && field.type === 'String',
    );
    if (term.length >= 2 && reprField) {
      const rows = await delegate.findMany({
        where: { [reprField.name]: { contains: term, mode: 'insensitive' } },
        select,
        orderBy: { [info.pk.name]: 'asc' },
        take: LOOKUP_RESULTS,
      });
      for (const row of rows) results.set(String(row[info.pk.name]), this.site.repr(info, row));
    }
    return [...results].map(([value, label]) => ({ id: value, label }));
  }

  /** Never a full COUNT(*) over a large table (see EXACT_COUNT_LIMIT). */
  async count(
    info: AdminModelInfo,
    where: Record<string, unknown>,
    orderBy: Record<string, 'asc' | 'desc'>[],
  ): Promise<ListCount> {
    const estimate = await this.estimate(info.table);
    const delegate = delegateOf(this.prisma, info.name);
    // -1: never analysed (new table); the count below is bounded anyway.
    if (estimate <= EXACT_COUNT_LIMIT) {
      const bounded = await delegate.count({ where, take: EXACT_COUNT_LIMIT + 1 });
      if (bounded <= EXACT_COUNT_LIMIT) return { value: bounded, exact: true, kind: 'exact' };
      if (!Object.keys(where).length) return { value: bounded, exact: false, kind: 'about' };
      return { value: EXACT_COUNT_LIMIT, exact: false, kind: 'more-than' };
    }
    if (!Object.keys(where).length) return { value: estimate, exact: false, kind: 'about' };
    const keys = await delegate.findMany({
      where,
      orderBy,
      select: { [info.pk.name]: true },
      take: FILTERED_COUNT_LIMIT + 1,
    });
    if (keys.length <= FILTERED_COUNT_LIMIT) return { value: keys.length, exact: true, kind: 'exact' };
    return { value: FILTERED_COUNT_LIMIT, exact: false, kind: 'more-than' };
  }

  /**
   * PostgreSQL's row estimate for a table (-1 when it was never analysed). Kept for a few seconds
   * per process: it is an estimate anyway, and every change-list view needs it.
   */
  async estimate(table: string): Promise<number> {
    const cached = this.estimates.get(table);
    if (cached && cached.until > Date.now()) return cached.value;
    const rows = await this.prisma.$queryRaw<{ estimate: number | null }[]>`
      SELECT reltuples::float8 AS estimate FROM pg_class WHERE oid = to_regclass(${`"${table}"`})`;
    const value = Math.round(Number(rows[0]?.estimate ?? -1));
    this.estimates.set(table, { value, until: Date.now() + ESTIMATE_TTL_MS });
    return value;
  }

  private readonly estimates = new Map<string, { value: number; until: number }>();

  /** Filter sidebar: current values and choices (relation choices only for small tables). */
  async filterViews(info: AdminModelInfo, params: ListParams): Promise<FilterView[]> {
    return Promise.all(
      info.filters.map(async (filter): Promise<FilterView> => {
        const param = filterParam(filter);
        const value = params.filters[param] ?? '';
        const choice = (v: string, label: string) => ({ value: v, label, selected: v === value });
        const nullChoice = filter.nullable
          ? [choice('__null', filter.kind === 'date' ? 'admin.filter.noDate' : 'admin.filter.none')]
          : [];
        switch (filter.kind) {
          case 'boolean':
            return {
              filter,
              param,
              value,
              choices: [
                choice('', 'admin.filter.all'),
                choice('1', 'admin.filter.yes'),
                choice('0', 'admin.filter.no'),
                ...nullChoice,
              ],
            };
          case 'enum':
            return {
              filter,
              param,
              value,
              choices: [
                choice('', 'admin.filter.all'),
                ...(filter.enumValues ?? []).map((v) => choice(v, choiceKey(info.name, filter.field, v))),
                ...nullChoice,
              ],
            };
          case 'date':
            return {
              filter,
              param,
              value,
              choices: [
                choice('', 'admin.filter.anyDate'),
                ...Object.entries(DATE_RANGES).map(([k, label]) => choice(k, label)),
                ...nullChoice,
              ],
            };
          case 'relation': {
            const target = this.site.byName(filter.target ?? '');
            if (!target) return { filter, param, value };
            const lookupUrl = `/admin/${target.slug}/lookup`;
            const estimate = await this.estimate(target.table);
            if (estimate > RELATION_CHOICES_LIMIT) return { filter, param, value, lookupUrl };
            const rows = await delegateOf(this.prisma, target.name).findMany({
              select: this.site.reprSelect(target),
              orderBy: { [target.pk.name]: 'asc' },
              take: RELATION_CHOICES_LIMIT + 1,
            });
            if (rows.length > RELATION_CHOICES_LIMIT) {
              // A table never analysed has no estimate: remember its size for the estimate's TTL.
              this.estimates.set(target.table, { value: rows.length, until: Date.now() + ESTIMATE_TTL_MS });
              return { filter, param, value, lookupUrl };
            }
            return {
              filter,
              param,
              value,
              choices: [
                choice('', 'admin.filter.all'),
                ...rows.map((row) => choice(String(row[target.pk.name]), this.site.repr(target, row))),
                ...nullChoice,
              ],
            };
          }
        }
      }),
    );
  }
}
