import type { AdminModelInfo } from './admin-site';
import { ChangeList, countLabel, type ListPage } from './change-list';
import { decodeCursor, encodeCursor, seekWhere, type SortKey } from './keyset';
import type { DmmfField } from './dmmf';

/** Just what a change list reads of a model: columns, filters, page size, key. */
const info = {
  slug: 'event',
  perPage: 25,
  pk: { name: 'id' },
  searchFields: ['title'],
  columns: [
    { key: 'id', label: 'Id', sortField: 'id', render: (row: Record<string, unknown>) => String(row.id) },
    { key: 'title', label: 'Title', render: (row: Record<string, unknown>) => String(row.title) },
  ],
  filters: [{ field: 'status', label: 'Status', kind: 'enum', nullable: false }],
} as unknown as AdminModelInfo;

const page = (overrides: Partial<ListPage> = {}): ListPage => ({
  rows: [{ id: 7, title: 'Launch' }],
  page: 1,
  hasPrevious: false,
  hasNext: true,
  firstKey: [7],
  lastKey: [7],
  seekable: true,
  count: { value: 1_000, exact: true, kind: 'exact' },
  keys: ['-id'],
  ...overrides,
});

describe('ChangeList (the change list view model)', () => {
  it('keeps only what the list offers: sortable columns, its filters, any page', () => {
    const list = new ChangeList(info, {
      q: 'launch',
      o: '-id,title,secret',
      f_status: 'draft',
      f_x: '1',
      p: '99999',
    });
    expect(list.params).toEqual({
      q: 'launch',
      o: '-id',
      page: 99_999,
      filters: { f_status: 'draft' },
    });
    expect(new ChangeList(info, { p: ['2', '3'] }).params.page).toBe(2);
    expect(new ChangeList(info, { p: 'x' }).params.page).toBe(1);
  });

  it('links keep search, ordering and filters; the sort header flips the direction', () => {
    const list = new ChangeList(info, { q: 'a b', o: '-id', f_status: 'draft', p: '3' });
    const view = list.view(page({ page: 3, hasPrevious: true, firstKey: [9], lastKey: [7] }), []);
    const next = encodeCursor({ direction: 'after', page: 3, values: [7] });
    expect(view.nextUrl).toBe(`/admin/event?q=a+b&o=-id&f_status=draft&p=4&k=${next}`);
    // Back to page 2 is a cheap OFFSET: no cursor.
    expect(view.previousUrl).toBe('/admin/event?q=a+b&o=-id&f_status=draft&p=2');
    expect(view.headers[0]).toMatchObject({
      sortUrl: '/admin/event?q=a+b&o=id&f_status=draft',
      sorted: 'descending',
    });
    expect(view.headers[1].sortUrl).toBeUndefined();
    expect(view.listQuery).toBe('q=a+b&o=-id&f_status=draft&p=3');
    expect(ChangeList.fromQueryString(info, view.listQuery).params).toEqual(list.params);
  });

  it('numbers the first, nearby and last pages with gaps, and "more" when the count is not exact', () => {
    const numbers = (links: { number?: number; gap?: boolean }[]) => links.map((link) => link.number ?? '…');
    const exact = new ChangeList(info, { p: '10' }).view(page({ page: 10, hasPrevious: true }), []);
    expect(numbers(exact.pages)).toEqual([1, 2, '…', 8, 9, 10, 11, 12, '…', 39, 40]);
    // Near pages are sought from this page's boundary rows; far ones are plain page numbers.
    const urls = exact.pages.map((link) => link.url ?? '');
    expect(urls[3]).toContain(`k=${encodeCursor({ direction: 'before', page: 10, values: [7] })}`);
    expect(urls[6]).toContain(`k=${encodeCursor({ direction: 'after', page: 10, values: [7] })}`);
    expect(urls[9]).toBe('/admin/event?p=39');
    const estimated = new ChangeList(info, { p: '1' }).view(
      page({ count: { value: 500, exact: false, kind: 'more-than' } }),
      [],
    );
    expect(numbers(estimated.pages)).toEqual([1, 2, '…']);
    expect(estimated.countLabel).toBe('more than 500');
  });

  it('words the count in the reader’s language, numbers and plural forms included', () => {
    const exact = (value: number) => ({ value, exact: true, kind: 'exact' as const });
    expect(countLabel(exact(12_345), 'en')).toBe('12,345');
    expect(countLabel({ value: 1_200, exact: false, kind: 'about' }, 'en')).toBe('about 1,200');
    // Ukrainian and Russian: one / few / many, and their own digit grouping (a no-break space).
    expect(['1', '3', '25', '12345'].map((n) => countLabel(exact(Number(n)), 'uk'))).toEqual([
      '1 запис',
      '3 записи',
      '25 записів',
      '12\u00a0345 записів',
    ]);
    expect(countLabel(exact(22), 'ru')).toBe('22 записи');
    expect(countLabel({ value: 500, exact: false, kind: 'more-than' }, 'uk')).toBe('понад 500 записів');
    expect(countLabel({ value: 21_000, exact: false, kind: 'about' }, 'ru')).toBe(
      'около 21\u00a0000 записей',
    );
    const list = new ChangeList(info, {}).view(page(), [], 'uk');
    expect(list.countLabel).toBe('1\u00a0000 записів');
  });

  it('reads a cursor back from a link, and ignores a malformed one', () => {
    const cursor = { direction: 'before' as const, page: 40_000, values: ['2026-01-01T00:00:00.000Z', 12] };
    const list = new ChangeList(info, { p: '39999', k: encodeCursor(cursor) });
    expect(list.params.cursor).toEqual(cursor);
    expect(new ChangeList(info, { k: 'a1.not json' }).params.cursor).toBeUndefined();
    expect(decodeCursor(`a1.${Buffer.from('{"x":1}').toString('base64url')}`)).toBeUndefined();
    expect(decodeCursor(`a0.${Buffer.from('[1]').toString('base64url')}`)).toBeUndefined();
  });
});

describe('seekWhere (keyset condition)', () => {
  const field = (name: string, type: string, isRequired = true, kind = 'scalar') =>
    ({ name, type, isRequired, kind }) as DmmfField;
  const startsAt = field('startsAt', 'DateTime');
  const id = field('id', 'Int');

  it('is lexicographic on (sort key, id), with a range the index scan starts at', () => {
    const keys: SortKey[] = [
      { field: startsAt, direction: 'desc' },
      { field: id, direction: 'desc' },
    ];
    const at = new Date('2026-05-01T10:00:00.000Z');
    expect(seekWhere(keys, [at.toISOString(), 42])).toEqual({
      AND: [
        { startsAt: { lte: at } },
        {
          OR: [
            { AND: [{ startsAt: { lt: at } }] },
            { AND: [{ startsAt: { equals: at } }, { id: { lt: 42 } }] },
          ],
        },
      ],
    });
  });

  it('puts NULLs last ascending and first descending, as PostgreSQL sorts them', () => {
    const capacity = field('capacity', 'Int', false);
    const asc: SortKey[] = [
      { field: capacity, direction: 'asc' },
      { field: id, direction: 'asc' },
    ];
    expect(seekWhere(asc, [5, 1])).toEqual({
      OR: [
        { AND: [{ OR: [{ capacity: { gt: 5 } }, { capacity: null }] }] },
        { AND: [{ capacity: { equals: 5 } }, { id: { gt: 1 } }] },
      ],
    });
    expect(seekWhere(asc, [null, 1])).toEqual({ OR: [{ AND: [{ capacity: null }, { id: { gt: 1 } }] }] });
    const desc: SortKey[] = [
      { field: capacity, direction: 'desc' },
      { field: id, direction: 'desc' },
    ];
    expect(seekWhere(desc, [null, 9])).toEqual({
      OR: [{ AND: [{ capacity: { not: null } }] }, { AND: [{ capacity: null }, { id: { lt: 9 } }] }],
    });
  });

  it('refuses values that do not fit the keys (a stale or forged link)', () => {
    const keys: SortKey[] = [{ field: id, direction: 'asc' }];
    expect(seekWhere(keys, ['7'])).toBeUndefined();
    expect(seekWhere(keys, [1.5])).toBeUndefined();
    expect(seekWhere(keys, [null])).toBeUndefined();
    expect(seekWhere(keys, [1, 2])).toBeUndefined();
    expect(seekWhere([{ field: startsAt, direction: 'asc' }], ['yesterday'])).toBeUndefined();
  });
});
