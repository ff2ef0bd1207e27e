import { DEFAULT_LANGUAGE, type Language } from '../i18n/languages';
import { formatNumber, translate } from '../i18n/translator';
import { fieldLabel } from './admin-labels';
import type { AdminModelInfo } from './admin-site';
import { formText as text } from './admin-values';
import { changeUrlOf, queryString } from './admin-views';
import { decodeCursor, encodeCursor, type CursorValue, type ListCursor } from './keyset';
import type { AdminRow } from './model-admin';

/** Deepest page a link or the page box may name (1,000 per page: a billion rows). */
const MAX_PAGE = 1_000_000;

/** A request's query string as Express parses it. */
export type QueryParams = Record<string, unknown>;

/** What a change list shows: search terms, ordering (`-field,other`), page, filter values. */
export interface ListParams {
  q: string;
  o: string;
  page: number;
  filters: Record<string, string>;
  /** The boundary of the page a link was followed from (keyset pagination, see keyset.ts). */
  cursor?: ListCursor;
}

export interface ListCount {
  value: number;
  exact: boolean;
  /** "about N" (estimate) or "more than N" (bounded count hit its cap). */
  kind: 'exact' | 'about' | 'more-than';
}

/** One page of the list as ChangeListService reads it. */
export interface ListPage {
  rows: AdminRow[];
  /** The page number shown (a cursor that finds the start of the list makes it page 1). */
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  /** Sort-key values of the first and last row, for the cursors of the links. */
  firstKey?: CursorValue[];
  lastKey?: CursorValue[];
  /** Whether links may carry cursors (every sort key can be sought on). */
  seekable: boolean;
  count: ListCount;
  /** The ordering applied (the requested one, or the model's default). */
  keys: readonly string[];
}

export interface FilterView {
  filter: AdminModelInfo['filters'][number];
  param: string;
  value: string;
  /** `label`: a catalogue key ("All", a date range) or text shown as it is (an object, an enum value). */
  choices?: { value: string; label: string; selected: boolean }[];
  /** Relation filters without choices: the related model's search-as-you-type endpoint. */
  lookupUrl?: string;
}

/** Query-string parameter of a filter. */
export function filterParam(filter: AdminModelInfo['filters'][number]): string {
  return `f_${filter.field}`;
}

type PageLink = { number?: number; url?: string; current?: boolean; gap?: boolean };

/**
 * One view of a model's change list, like Django's ChangeList: the list parameters read from the
 * query string (anything the list does not offer is dropped, and not carried into links), and
 * what the page shows from them and the rows read (ChangeListService.page): sort headers, filter
 * and page links, the count's wording and the query the bulk actions carry.
 */
export class ChangeList {
  readonly params: ListParams;

  constructor(
    readonly info: AdminModelInfo,
    query: QueryParams,
  ) {
    const page = Number(text(query.p) || '1');
    const filters: Record<string, string> = {};
    for (const filter of info.filters) {
      const value = text(query[filterParam(filter)]);
      if (value) filters[filterParam(filter)] = value.slice(0, 100);
    }
    this.params = {
      q: text(query.q).slice(0, 200),
      o: text(query.o)
        .slice(0, 200)
        .split(',')
        .filter((part) =>
          info.columns.some((column) => column.sortField && column.sortField === part.replace(/^-/, '')),
        )
        .join(','),
      page: Number.isInteger(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1,
      filters,
    };
    // A cursor only means something with the ordering and filters of the page it came from, which
    // every link keeps; it is checked against the ordering's keys when read.
    const cursor = decodeCursor(text(query.k));
    if (cursor) this.params.cursor = cursor;
  }

  /** The list a bulk action's form carried back (`qs`: listQuery of the page it was posted from). */
  static fromQueryString(info: AdminModelInfo, listQuery: string): ChangeList {
    return new ChangeList(info, Object.fromEntries(new URLSearchParams(listQuery).entries()));
  }

  /** The parameters every link keeps (search, ordering, filters). */
  private get kept(): Record<string, string | undefined> {
    const { q, o, filters } = this.params;
    return { q: q || undefined, o: o || undefined, ...filters };
  }

  /** This list with some parameters changed (undefined drops one). */
  url(overrides: Record<string, string | number | undefined> = {}): string {
    return `/admin/${this.info.slug}${queryString({ ...this.kept, ...overrides })}`;
  }

  /** The list's query string without `?`, carried through an action's confirmation. */
  get listQuery(): string {
    return queryString({ ...this.kept, p: this.params.page }).replace(/^\?/, '');
  }

  /** Template locals of the list page (in `language`): everything but the model and the actions. */
  view(listPage: ListPage, filters: FilterView[], language: Language = DEFAULT_LANGUAGE) {
    const { rows, hasNext, count, keys } = listPage;
    const { info, params } = this;
    const page = listPage.page;
    const lastPage = count.exact ? Math.max(1, Math.ceil(count.value / info.perPage)) : undefined;
    return {
      q: params.q,
      searchable: info.searchFields.length > 0,
      hiddenFilters: Object.entries(this.kept)
        .filter(([key, value]) => key !== 'q' && value)
        .map(([name, value]) => ({ name, value })),
      keptParams: Object.entries(this.kept)
        .filter(([, value]) => value)
        .map(([name, value]) => ({ name, value })),
      headers: info.columns.map((column) => {
        const current = keys.find((key) => key.replace(/^-/, '') === column.sortField);
        const next = current && !current.startsWith('-') ? `-${column.sortField}` : column.sortField;
        return {
          label: fieldLabel(info, column.key, column.label, language),
          sortUrl: column.sortField ? this.url({ o: next, p: undefined }) : undefined,
          sorted: current ? (current.startsWith('-') ? 'descending' : 'ascending') : undefined,
        };
      }),
      rows: rows.map((row) => {
        const id = String(row[info.pk.name]);
        return {
          id,
          url: changeUrlOf(info.slug, id),
          cells: info.columns.map((column, index) => ({
            value: column.render(row, language),
            first: index === 0,
            nowrap: column.nowrap === true,
          })),
        };
      }),
      count,
      countLabel: countLabel(count, language),
      filters: filters.map((view) => ({
        ...view,
        filter: { ...view.filter, label: fieldLabel(info, view.filter.field, view.filter.label, language) },
        links: view.choices?.map((choice) => ({
          ...choice,
          url: this.url({ [view.param]: choice.value || undefined, p: undefined }),
        })),
      })),
      pages: this.pageLinks(listPage, lastPage),
      previousUrl: listPage.hasPrevious ? this.pageUrl(listPage, page - 1) : undefined,
      nextUrl: hasNext ? this.pageUrl(listPage, page + 1) : undefined,
      // Past the last numbered links, a page number can be typed in.
      pageBox: hasNext || page > 3 ? { max: lastPage ?? MAX_PAGE, value: page } : undefined,
      empty: !rows.length && page > 1,
      page,
      listQuery: this.listQuery,
      selectAcross: !count.exact || count.value > rows.length,
    };
  }

  /**
   * A link to page `target` from the page shown: with a cursor at this page's boundary when the
   * target is near (the next page is read from this page's last row by the index, not by OFFSET),
   * without one for the first pages (whose OFFSET is cheap) and far jumps.
   */
  private pageUrl(listPage: ListPage, target: number): string {
    const from = listPage.page;
    const near = Math.abs(target - from) <= 3 && target !== from;
    if (target <= 2 || !near || !listPage.seekable || !listPage.firstKey || !listPage.lastKey) {
      return this.url({ p: target });
    }
    const cursor: ListCursor =
      target > from
        ? { direction: 'after', page: from, values: listPage.lastKey }
        : { direction: 'before', page: from, values: listPage.firstKey };
    return this.url({ p: target, k: encodeCursor(cursor) });
  }

  /** First, last and nearby pages, with gaps between; none for a single page. */
  private pageLinks(listPage: ListPage, lastPage: number | undefined): PageLink[] {
    const { page, hasNext } = listPage;
    const last = lastPage ?? (hasNext ? page + 1 : page);
    const wanted = new Set<number>([
      1,
      2,
      page - 2,
      page - 1,
      page,
      page + 1,
      page + 2,
      ...(lastPage ? [lastPage - 1, lastPage] : []),
    ]);
    const pages = [...wanted].filter((p) => p >= 1 && p <= last).sort((a, b) => a - b);
    const links: PageLink[] = [];
    let previous = 0;
    for (const p of pages) {
      if (p > previous + 1) links.push({ gap: true });
      links.push({ number: p, url: this.pageUrl(listPage, p), current: p === page });
      previous = p;
    }
    if (!lastPage && hasNext) links.push({ gap: true });
    return links.length > 1 ? links : [];
  }
}

const COUNT_MESSAGES: Record<ListCount['kind'], string> = {
  exact: 'admin.list.countExact',
  about: 'admin.list.countAbout',
  'more-than': 'admin.list.countMoreThan',
};

/** "1,234", "about 1,200", "more than 500" (in Ukrainian and Russian with the noun's plural form). */
export function countLabel(count: ListCount, language: Language): string {
  return translate(language, COUNT_MESSAGES[count.kind], {
    count: count.value,
    total: formatNumber(count.value, language),
  });
}
