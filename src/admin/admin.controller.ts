import {
  BadRequestException,
  Body,
  ForbiddenException,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import type { Request, Response } from 'express';
import { RequireStaff } from '../accounts/auth.decorators';
import { PrismaService } from '../prisma/prisma.service';
import { addFlash } from '../web/flash';
import { AdminAccess } from './admin-access';
import { delegateOf } from './admin-data';
import { AdminLogService } from './admin-log.service';
import { ACTION_LIMIT, AdminFormError, AdminObjectsService } from './admin-objects.service';
import { AdminPresenter, changeUrlOf } from './admin-presenter';
import { AdminSite, formatValue, humanize, type AdminModelInfo } from './admin-site';
import { formText as text, parsePk, type SubmittedForm } from './admin-values';
import { queryString, renderAdmin } from './admin-views';
import { ChangeListService, filterParam, type ListParams } from './change-list.service';
import type { AdminAction, AdminPermissionAction } from './model-admin';

/**
 * Deepest row a page may start at: OFFSET pagination reads every row it skips, so a deeper page
 * would cost a scan of that many rows. Past it, search, filter or reverse the sort instead.
 */
const MAX_OFFSET = 100_000;

type QueryParams = Record<string, string | string[] | undefined>;

const BUILTIN_ACTIONS: AdminAction[] = [
  { name: 'delete_selected', label: 'Delete selected', permission: 'delete' },
  { name: 'export_csv', label: 'Export selected as CSV', permission: 'view' },
];

/**
 * Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first: CSV injection) are
 * prefixed with an apostrophe; exported values may come from any signed-up user.
 */
function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Names a set of selected objects in a few bytes (order-independent). */
function selectionDigest(ids: (string | number)[]): string {
  return createHash('sha256').update(ids.map(String).sort().join(',')).digest('base64url');
}

/**
 * The admin site. Every route needs an active staff session (RequireStaff), then the model
 * permission for what it shows or changes, checked before anything is read or written.
 */
@Controller('admin')
@RequireStaff()
export class AdminController {
  constructor(
    private readonly site: AdminSite,
    private readonly access: AdminAccess,
    private readonly lists: ChangeListService,
    private readonly objects: AdminObjectsService,
    private readonly presenter: AdminPresenter,
    private readonly log: AdminLogService,
    private readonly prisma: PrismaService,
  ) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    const permissions = await this.access.of(req);
    const recent = await this.log.recentFor(permissions.user.id);
    renderAdmin(res, 'index', {
      title: 'Site administration',
      modules: this.presenter.nav(permissions),
      // Bull Board (mounted by src/queue-dashboard behind the same staff + permission check).
      queuesUrl: permissions.hasCodename('queues.view') ? '/admin/queues' : undefined,
      recent: recent.map((entry) => {
        const info = this.site.byName(entry.model);
        return {
          ...entry,
          modelLabel: info?.label ?? entry.model,
          url:
            entry.action !== 'delete' && info && permissions.can(info, 'view')
              ? changeUrlOf(info.slug, entry.objectId)
              : undefined,
        };
      }),
    });
  }

  @Get(':model')
  async changeList(
    @Param('model') slug: string,
    @Query() query: QueryParams,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'view');
    const params = this.listParams(info, query);
    const [{ rows, hasNext, count, keys }, filters] = await Promise.all([
      this.lists.page(info, params),
      this.lists.filterViews(info, params),
    ]);
    const base = { q: params.q || undefined, o: params.o || undefined, ...params.filters };
    const link = (overrides: Record<string, string | number | undefined>) =>
      `/admin/${info.slug}${queryString({ ...base, ...overrides })}`;
    const lastPage = count.exact ? Math.max(1, Math.ceil(count.value / info.perPage)) : undefined;
    const actions = [
      ...BUILTIN_ACTIONS.filter((action) => permissions.can(info, action.permission)),
      ...(info.admin.actions ?? []).filter((action) => permissions.granted(info, action.permission)),
    ];
    renderAdmin(
      res,
      'change_list',
      {
        title: info.labelPlural,
        ...this.presenter.modelLocals(info, permissions),
        q: params.q,
        searchable: info.searchFields.length > 0,
        hiddenFilters: Object.entries(base)
          .filter(([key, value]) => key !== 'q' && value)
          .map(([name, value]) => ({ name, value })),
        headers: info.columns.map((column) => {
          const current = keys.find((key) => key.replace(/^-/, '') === column.sortField);
          const next = current && !current.startsWith('-') ? `-${column.sortField}` : column.sortField;
          return {
            label: column.label,
            sortUrl: column.sortField ? link({ o: next, p: undefined }) : undefined,
            sorted: current ? (current.startsWith('-') ? 'descending' : 'ascending') : undefined,
          };
        }),
        rows: rows.map((row) => {
          const id = String(row[info.pk.name]);
          return {
            id,
            url: changeUrlOf(info.slug, id),
            cells: info.columns.map((column, index) => ({ value: column.render(row), first: index === 0 })),
          };
        }),
        count,
        countLabel:
          count.kind === 'exact'
            ? count.value.toLocaleString('en')
            : `${count.kind === 'about' ? 'about' : 'more than'} ${count.value.toLocaleString('en')}`,
        filters: filters.map((view) => ({
          ...view,
          links: view.choices?.map((choice) => ({
            ...choice,
            url: link({ [view.param]: choice.value || undefined, p: undefined }),
          })),
        })),
        pages: this.pageLinks(
          params.page,
          hasNext && params.page < this.lastReachablePage(info),
          lastPage,
          (page) => link({ p: page }),
        ),
        previousUrl: params.page > 1 ? link({ p: params.page - 1 }) : undefined,
        nextUrl:
          hasNext && params.page < this.lastReachablePage(info) ? link({ p: params.page + 1 }) : undefined,
        deepest: hasNext && params.page >= this.lastReachablePage(info),
        page: params.page,
        actions: actions.map(({ name, label }) => ({ name, label })),
        listQuery: queryString({ ...base, p: params.page }).replace(/^\?/, ''),
        selectAcross: !count.exact || count.value > rows.length,
      },
      info,
    );
  }

  @Get(':model/lookup')
  async lookup(
    @Param('model') slug: string,
    @Query('q') q: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const info = this.site.get(slug);
    (await this.access.of(req)).require(info, 'view');
    const term = (q ?? '').trim().slice(0, 100);
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
        take: 20,
      });
      for (const row of rows) results.set(String(row[info.pk.name]), this.site.repr(info, row));
    }
    res.json({ results: [...results].map(([value, label]) => ({ id: value, label })) });
  }

  @Post(':model/action')
  async action(
    @Param('model') slug: string,
    @Body() body: SubmittedForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'view');
    const name = text(body.action);
    const action = [...BUILTIN_ACTIONS, ...(info.admin.actions ?? [])].find(
      (candidate) => candidate.name === name,
    );
    if (!action) throw new BadRequestException('Choose an action.');
    permissions.require(info, action.permission, !BUILTIN_ACTIONS.includes(action));
    const listQuery = text(body.qs);
    const back = `/admin/${info.slug}${listQuery ? `?${listQuery}` : ''}`;

    const ids = await this.selectedIds(info, body, listQuery);
    if (ids === 'too-many' || !ids.length) {
      // Bad input, answered like a form error: a 400 page saying what to do, nothing changed.
      return renderAdmin(
        res,
        'action_confirmation',
        {
          title: 'Nothing done',
          ...this.presenter.modelLocals(info, permissions),
          action: { name: action.name, label: action.label },
          error:
            ids === 'too-many'
              ? `More than ${ACTION_LIMIT.toLocaleString('en')} objects match: narrow the list with search or filters first.`
              : 'Items must be selected in order to perform actions on them. No items have been changed.',
          backUrl: back,
        },
        info,
        400,
      );
    }

    // "Every matching object" is not posted back as one field per object (up to ACTION_LIMIT of
    // them: over body-parser's 1,000 fields and 100 KB): the confirmation carries the list's query
    // and a digest of what matched, and the confirmed request runs the query again. If the digest
    // differs, the objects matching changed meanwhile: ask again rather than act on others.
    const acrossAll = text(body.select_across) === '1';
    const selection = acrossAll ? selectionDigest(ids) : undefined;
    const changedMeanwhile = acrossAll && text(body.confirm) === 'yes' && text(body.selection) !== selection;
    if (text(body.confirm) !== 'yes' || changedMeanwhile) {
      const objects = await delegateOf(this.prisma, info.name).findMany({
        where: { [info.pk.name]: { in: ids } },
        select: this.site.reprSelect(info),
        orderBy: { [info.pk.name]: 'asc' },
        take: 100,
      });
      const summary =
        action.name === 'delete_selected' ? await this.objects.deleteSummary(info, ids) : undefined;
      return renderAdmin(
        res,
        'action_confirmation',
        {
          title: 'Are you sure?',
          ...this.presenter.modelLocals(info, permissions),
          action: { name: action.name, label: action.label, description: action.description },
          ids: acrossAll ? [] : ids,
          selectAcross: acrossAll,
          selection,
          changedMeanwhile,
          count: ids.length,
          objects: objects.map((row) => ({
            repr: this.site.repr(info, row),
            url: changeUrlOf(info.slug, row[info.pk.name]),
          })),
          more: ids.length > objects.length ? ids.length - objects.length : 0,
          summary,
          blocked: summary ? summary.blockers.length > 0 : false,
          qs: listQuery,
          backUrl: back,
        },
        info,
      );
    }

    if (action.name === 'export_csv') return this.exportCsv(info, ids, res);
    if (action.name === 'delete_selected') {
      const summary = await this.objects.deleteSummary(info, ids);
      if (summary.blockers.length)
        throw new BadRequestException('Other objects still refer to the selection; it cannot be deleted.');
      const deleted = await this.objects.delete(info, permissions.user, ids, action.label);
      addFlash(
        req,
        'success',
        `Successfully deleted ${deleted} ${deleted === 1 ? info.label.toLowerCase() : info.labelPlural.toLowerCase()}.`,
      );
      return res.redirect(303, back);
    }
    const result = await this.objects.runAction(info, action, permissions.user, ids);
    addFlash(
      req,
      'success',
      result.message ?? `${action.label}: ${result.changed} of ${ids.length} changed.`,
    );
    res.redirect(303, back);
  }

  @Get(':model/add')
  async addForm(@Param('model') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'add');
    await this.renderForm(res, info, permissions, null, null, {});
  }

  @Post(':model/add')
  async add(
    @Param('model') slug: string,
    @Body() body: SubmittedForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'add');
    try {
      const saved = await this.objects.save(info, permissions.user, body);
      addFlash(req, 'success', `The ${info.label.toLowerCase()} “${saved.repr}” was added successfully.`);
      res.redirect(303, this.afterSave(info, body, saved.id, permissions.can(info, 'change')));
    } catch (error) {
      if (!(error instanceof AdminFormError)) throw error;
      await this.renderForm(res, info, permissions, null, body, error.errors, error.status);
    }
  }

  /** The object's old address (and the base of its delete/history pages): on to its change page. */
  @Get(':model/:id')
  toChangeForm(@Req() req: Request, @Res() res: Response): void {
    const [path, query] = req.originalUrl.split('?', 2);
    res.redirect(301, `${path.replace(/\/+$/, '')}/change${query ? `?${query}` : ''}`);
  }

  @Get(':model/:id/change')
  async changeForm(
    @Param('model') slug: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'view');
    const row = await this.objects.get(info, id);
    await this.renderForm(res, info, permissions, row, null, {});
  }

  // The old address still takes posts (a form rendered before an upgrade).
  @Post([':model/:id/change', ':model/:id'])
  async change(
    @Param('model') slug: string,
    @Param('id') id: string,
    @Body() body: SubmittedForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'change');
    try {
      const saved = await this.objects.save(info, permissions.user, body, id);
      addFlash(req, 'success', `The ${info.label.toLowerCase()} “${saved.repr}” was changed successfully.`);
      res.redirect(303, this.afterSave(info, body, saved.id, true));
    } catch (error) {
      if (!(error instanceof AdminFormError)) throw error;
      const row = await this.objects.get(info, id);
      await this.renderForm(res, info, permissions, row, body, error.errors, error.status);
    }
  }

  /** The model named in the URL and the user's permissions on it, refusing without `action`. */
  private async authorize(slug: string, req: Request, action: AdminPermissionAction) {
    const info = this.site.get(slug);
    const permissions = await this.access.of(req);
    permissions.require(info, action);
    return { info, permissions };
  }

  /** What both delete routes need: the object, after the permission checks, and what deleting it takes. */
  private async deletion(slug: string, id: string, req: Request) {
    const { info, permissions } = await this.authorize(slug, req, 'delete');
    const row = await this.objects.get(info, id);
    if (!this.site.allowsObject(info, row, permissions.user, 'delete')) {
      throw new ForbiddenException(`You may not delete this ${info.label.toLowerCase()}.`);
    }
    const pk = row[info.pk.name] as string | number;
    const summary = await this.objects.deleteSummary(info, [pk]);
    return { info, permissions, row, pk, summary };
  }

  @Get(':model/:id/delete')
  async deleteConfirmation(
    @Param('model') slug: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions, row, pk, summary } = await this.deletion(slug, id, req);
    renderAdmin(
      res,
      'delete_confirmation',
      {
        title: 'Are you sure?',
        ...this.presenter.modelLocals(info, permissions),
        object: { id: String(pk), repr: this.site.repr(info, row), url: `/admin/${info.slug}/${String(pk)}` },
        summary,
        blocked: summary.blockers.length > 0,
      },
      info,
    );
  }

  @Post(':model/:id/delete')
  async delete(
    @Param('model') slug: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions, row, pk, summary } = await this.deletion(slug, id, req);
    if (summary.blockers.length)
      throw new BadRequestException('Other objects still refer to this one; it cannot be deleted.');
    await this.objects.delete(info, permissions.user, [pk]);
    addFlash(
      req,
      'success',
      `The ${info.label.toLowerCase()} “${this.site.repr(info, row)}” was deleted successfully.`,
    );
    res.redirect(303, `/admin/${info.slug}`);
  }

  @Get(':model/:id/history')
  async history(
    @Param('model') slug: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'view');
    const pk = parsePk(info.pk, id);
    if (pk === undefined) await this.objects.get(info, id);
    const entries = await this.log.history(info, String(pk));
    const row = await delegateOf(this.prisma, info.name).findUnique({
      where: { [info.pk.name]: pk },
      select: this.site.reprSelect(info),
    });
    if (!row && !entries.length) await this.objects.get(info, id);
    const labels = new Map(info.formFields.map((field) => [field.name, field.label]));
    renderAdmin(
      res,
      'history',
      {
        title: `Change history: ${row ? this.site.repr(info, row) : (entries[0]?.objectRepr ?? id)}`,
        ...this.presenter.modelLocals(info, permissions),
        object: {
          id: String(pk),
          repr: row ? this.site.repr(info, row) : entries[0]?.objectRepr,
          url: row ? `/admin/${info.slug}/${String(pk)}` : undefined,
        },
        entries: entries.map((entry) => ({
          when: entry.createdAt,
          who: entry.user?.email ?? '(deleted user)',
          action: entry.action,
          message: entry.message,
          changes: Object.entries((entry.changes ?? {}) as Record<string, [unknown, unknown] | null>).map(
            ([field, change]) => ({
              field: labels.get(field) ?? humanize(field),
              secret: change === null,
              old: change ? formatValue(change[0]) : '',
              new: change ? formatValue(change[1]) : '',
            }),
          ),
        })),
      },
      info,
    );
  }

  private listParams(info: AdminModelInfo, query: QueryParams): ListParams {
    const page = Number(text(query.p) || '1');
    const filters: Record<string, string> = {};
    for (const filter of info.filters) {
      const value = text(query[filterParam(filter)]);
      if (value) filters[filterParam(filter)] = value.slice(0, 100);
    }
    return {
      q: text(query.q).slice(0, 200),
      // Only orderings the list offers; anything else is dropped (and not carried into links).
      o: text(query.o)
        .slice(0, 200)
        .split(',')
        .filter((part) =>
          info.columns.some((column) => column.sortField && column.sortField === part.replace(/^-/, '')),
        )
        .join(','),
      page: Number.isInteger(page) && page >= 1 ? Math.min(page, this.lastReachablePage(info)) : 1,
      filters,
    };
  }

  /** OFFSET reads every skipped row: pages deeper than MAX_OFFSET rows are not served. */
  private lastReachablePage(info: AdminModelInfo): number {
    return Math.floor(MAX_OFFSET / info.perPage) + 1;
  }

  private pageLinks(
    page: number,
    hasNext: boolean,
    lastPage: number | undefined,
    url: (page: number) => string,
  ) {
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
    const links: { number?: number; url?: string; current?: boolean; gap?: boolean }[] = [];
    let previous = 0;
    for (const p of pages) {
      if (p > previous + 1) links.push({ gap: true });
      links.push({ number: p, url: url(p), current: p === page });
      previous = p;
    }
    if (!lastPage && hasNext) links.push({ gap: true });
    return links.length > 1 ? links : [];
  }

  private async selectedIds(
    info: AdminModelInfo,
    body: SubmittedForm,
    listQuery: string,
  ): Promise<(string | number)[] | 'too-many'> {
    if (text(body.select_across) === '1') {
      const search = new URLSearchParams(listQuery);
      const query: QueryParams = Object.fromEntries(search.entries());
      const params = this.listParams(info, query);
      const rows = await delegateOf(this.prisma, info.name).findMany({
        where: await this.lists.where(info, params),
        select: { [info.pk.name]: true },
        orderBy: this.lists.ordering(info, params.o).orderBy,
        take: ACTION_LIMIT + 1,
      });
      if (rows.length > ACTION_LIMIT) return 'too-many';
      return rows.map((row) => row[info.pk.name] as string | number);
    }
    const raw = [body._selected_action ?? []].flat();
    const ids = raw.map((value) => parsePk(info.pk, String(value)));
    if (ids.some((id) => id === undefined))
      throw new BadRequestException('The selection contains an invalid id.');
    if (ids.length > ACTION_LIMIT) return 'too-many';
    return [...new Set(ids as (string | number)[])];
  }

  private async exportCsv(info: AdminModelInfo, ids: (string | number)[], res: Response): Promise<void> {
    const rows = await delegateOf(this.prisma, info.name).findMany({
      where: { [info.pk.name]: { in: ids } },
      include: this.lists.include(info.columns),
      orderBy: { [info.pk.name]: 'asc' },
    });
    const csv = stringify([
      info.columns.map((column) => column.label),
      ...rows.map((row) => info.columns.map((column) => spreadsheetSafe(column.render(row)))),
    ]);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${info.slug}.csv"`);
    res.status(200).send(csv);
  }

  private afterSave(
    info: AdminModelInfo,
    body: SubmittedForm,
    id: string | number,
    canChange: boolean,
  ): string {
    if (body._continue !== undefined && canChange) return changeUrlOf(info.slug, id);
    if (body._addanother !== undefined) return `/admin/${info.slug}/add`;
    return `/admin/${info.slug}`;
  }

  private async renderForm(
    res: Response,
    info: AdminModelInfo,
    permissions: Awaited<ReturnType<AdminAccess['of']>>,
    row: Record<string, unknown> | null,
    values: SubmittedForm | null,
    errors: Record<string, string[]>,
    status = 200,
  ): Promise<void> {
    const editable = row
      ? permissions.can(info, 'change') && this.site.allowsObject(info, row, permissions.user, 'change')
      : permissions.can(info, 'add');
    const deletable = row
      ? permissions.can(info, 'delete') && this.site.allowsObject(info, row, permissions.user, 'delete')
      : false;
    const linkIds = row ? this.objects.linkIds(info, row) : {};
    const fields = await this.presenter.formFields(
      info,
      row,
      values,
      errors,
      editable,
      linkIds,
      permissions.user,
    );
    const id = row ? String(row[info.pk.name]) : undefined;
    const url = id ? `/admin/${info.slug}/${id}` : undefined;
    const version = row && info.versionField ? (row[info.versionField] as Date | null) : null;
    renderAdmin(
      res,
      'change_form',
      {
        title: row
          ? `${editable ? 'Change' : 'View'} ${info.label.toLowerCase()}`
          : `Add ${info.label.toLowerCase()}`,
        ...this.presenter.modelLocals(info, permissions),
        adding: !row,
        editable,
        fields,
        formErrors: errors._form ?? [],
        hasErrors: Object.keys(errors).length > 0,
        action: row ? `${url}/change` : `/admin/${info.slug}/add`,
        object: row
          ? {
              id,
              repr: this.site.repr(info, row),
              url,
              historyUrl: `${url}/history`,
              deleteUrl: deletable ? `${url}/delete` : undefined,
            }
          : undefined,
        version: values && typeof values._version === 'string' ? values._version : version?.toISOString(),
        links:
          row && url
            ? (info.admin.objectLinks?.(row, url) ?? []).filter(
                (link) =>
                  permissions.can(info, link.permission) &&
                  (link.permission !== 'change' || editable) &&
                  (link.permission !== 'delete' || deletable),
              )
            : [],
      },
      info,
      status,
    );
  }
}
