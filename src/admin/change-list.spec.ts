import type { AdminModelInfo } from './admin-site';
import { ChangeList, type ListPage } from './change-list';

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
  hasNext: true,
  count: { value: 1_000, exact: true, kind: 'exact' },
  keys: ['-id'],
  ...overrides,
});

describe('ChangeList (the change list view model)', () => {
  it('keeps only what the list offers: sortable columns, its filters, a reachable page', () => {
    const list = new ChangeList(info, {
      q: 'launch',
      o: '-id,title,secret',
      f_status: 'draft',
      f_x: '1',
      p: '9999',
    });
    expect(list.params).toEqual({
      q: 'launch',
      o: '-id',
      page: list.lastReachablePage,
      filters: { f_status: 'draft' },
    });
    expect(list.lastReachablePage).toBe(4_001);
    expect(new ChangeList(info, { p: ['2', '3'] }).params.page).toBe(2);
    expect(new ChangeList(info, { p: 'x' }).params.page).toBe(1);
  });

  it('links keep search, ordering and filters; the sort header flips the direction', () => {
    const list = new ChangeList(info, { q: 'a b', o: '-id', f_status: 'draft', p: '3' });
    const view = list.view(page(), []);
    expect(view.nextUrl).toBe('/admin/event?q=a+b&o=-id&f_status=draft&p=4');
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
    const exact = new ChangeList(info, { p: '10' }).view(page(), []);
    expect(numbers(exact.pages)).toEqual([1, 2, '…', 8, 9, 10, 11, 12, '…', 39, 40]);
    const estimated = new ChangeList(info, { p: '1' }).view(
      page({ count: { value: 500, exact: false, kind: 'more-than' } }),
      [],
    );
    expect(numbers(estimated.pages)).toEqual([1, 2, '…']);
    expect(estimated.countLabel).toBe('more than 500');
  });
});
