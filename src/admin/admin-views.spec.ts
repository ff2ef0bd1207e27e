import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'express';
import { VIEWS_DIR } from '../paths';
import type { AdminModelInfo } from './admin-site';
import { queryString, renderAdmin } from './admin-views';

describe('admin templates', () => {
  const slug = `zz-override-test-${process.pid}`;
  const dir = join(VIEWS_DIR, 'admin', slug);

  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'change_list.hbs'), 'overridden');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function render(
    name: string,
    info?: Pick<AdminModelInfo, 'slug'>,
  ): { view: string; status: number; locals: Record<string, unknown> } {
    const seen = { view: '', status: 0, locals: {} as Record<string, unknown> };
    const res = {
      status(code: number) {
        seen.status = code;
        return this;
      },
      render(view: string, locals: Record<string, unknown>) {
        seen.view = view;
        seen.locals = locals;
      },
    } as unknown as Response;
    renderAdmin(res, name, { title: 't' }, info as AdminModelInfo, 200);
    return seen;
  }

  it('prefers views/admin/<model>/<template>.hbs over the generic template, in the admin layout', () => {
    expect(render('change_list', { slug })).toMatchObject({
      view: `admin/${slug}/change_list`,
      locals: { layout: 'admin/layout', title: 't' },
    });
    expect(render('change_form', { slug }).view).toBe('admin/change_form');
    expect(render('index').view).toBe('admin/index');
  });

  it('builds query strings without empty values or page 1', () => {
    expect(queryString({ q: 'a b', o: '', p: 1, f_x: undefined })).toBe('?q=a+b');
    expect(queryString({ p: 2 })).toBe('?p=2');
    expect(queryString({})).toBe('');
  });
});
