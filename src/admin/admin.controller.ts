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
import type { Request, Response } from 'express';
import { RequireStaff } from '../accounts/auth.decorators';
import { formatNumber, message } from '../i18n/translator';
import { addFlash } from '../web/flash';
import { AdminAccess } from './admin-access';
import { AdminDashboardService } from './admin-dashboard.service';
import { AdminInlinesService } from './admin-inlines';
import { actionText, modelNames } from './admin-labels';
import { AdminLogService } from './admin-log.service';
import { AdminFormError, AdminObjectsService } from './admin-objects.service';
import { AdminPresenter, historyView } from './admin-presenter';
import { AdminSite, type AdminModelInfo } from './admin-site';
import { formText as text, type SubmittedForm } from './admin-values';
import { changeUrlOf, renderAdmin } from './admin-views';
import { ChangeList, type QueryParams } from './change-list';
import { ACTION_LIMIT, ChangeListService, selectionDigest } from './change-list.service';
import type { AdminAction, AdminPermissionAction } from './model-admin';

// The labels are what the admin log records (in English, like a ModelAdmin's own actions); pages
// show them in the reader's language (BUILTIN_ACTION_LABELS).
const BUILTIN_ACTIONS: AdminAction[] = [
  { name: 'delete_selected', label: 'Delete selected', permission: 'delete' },
  { name: 'export_csv', label: 'Export selected as CSV', permission: 'view' },
];
const BUILTIN_ACTION_LABELS: Record<string, string> = {
  delete_selected: 'admin.actions.deleteSelected',
  export_csv: 'admin.actions.exportCsv',
};

/**
 * An action's name and description as the page shows them, in the reader's language: the built-in
 * ones from admin.json, a ModelAdmin's from its catalogue entry (else as declared). The admin log
 * keeps `action.label`, in English.
 */
function actionView(info: AdminModelInfo, action: AdminAction, req: Request) {
  const key = BUILTIN_ACTIONS.includes(action) ? BUILTIN_ACTION_LABELS[action.name] : undefined;
  return { name: action.name, ...(key ? { label: req.t(key) } : actionText(info, action, req.language)) };
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
    private readonly inlines: AdminInlinesService,
    private readonly dashboard: AdminDashboardService,
  ) {}

  @Get()
  async index(@Req() req: Request, @Res() res: Response): Promise<void> {
    const permissions = await this.access.of(req);
    const [recent, dashboard] = await Promise.all([
      this.log.recentFor(permissions.user.id),
      this.dashboard.view(permissions, req.language),
    ]);
    renderAdmin(res, 'index', {
      title: req.t('admin.index.title'),
      dashboard,
      modules: this.presenter.nav(permissions, req.language),
      // Bull Board (mounted by src/jobs/dashboard behind the same staff + permission check).
      queuesUrl: permissions.hasCodename('queues.view') ? '/admin/queues' : undefined,
      recent: recent.map((entry) => {
        const info = this.site.byName(entry.model);
        return {
          ...entry,
          modelLabel: info ? modelNames(info, req.language).label : entry.model,
          actionLabel: `admin.log.${entry.action}`,
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
    const list = new ChangeList(info, query);
    const [page, filters] = await Promise.all([
      this.lists.page(info, list.params),
      this.lists.filterViews(info, list.params),
    ]);
    const actions = [
      ...BUILTIN_ACTIONS.filter((action) => permissions.can(info, action.permission)),
      ...(info.admin.actions ?? []).filter((action) => permissions.granted(info, action.permission)),
    ];
    renderAdmin(
      res,
      'change_list',
      {
        title: modelNames(info, req.language).labelPlural,
        ...this.presenter.modelLocals(info, permissions, req.language),
        ...list.view(page, filters, req.language),
        actions: actions.map((action) => actionView(info, action, req)),
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
    res.json({ results: await this.lists.lookup(info, text(q)) });
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
    if (!action) throw new BadRequestException(message('admin.errors.chooseAction'));
    permissions.require(info, action.permission, !BUILTIN_ACTIONS.includes(action));
    const listQuery = text(body.qs);
    const back = `/admin/${info.slug}${listQuery ? `?${listQuery}` : ''}`;

    const ids = await this.lists.selection(info, body);
    if (ids === 'too-many' || !ids.length) {
      // Bad input, answered like a form error: a 400 page saying what to do, nothing changed.
      return renderAdmin(
        res,
        'action_confirmation',
        {
          title: req.t('admin.confirm.nothingDone'),
          ...this.presenter.modelLocals(info, permissions, req.language),
          action: actionView(info, action, req),
          error:
            ids === 'too-many'
              ? message('admin.errors.tooMany', { max: formatNumber(ACTION_LIMIT, req.language) })
              : message('admin.errors.noSelection'),
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
      const objects = await this.lists.sample(info, ids);
      const summary =
        action.name === 'delete_selected'
          ? await this.objects.deleteSummary(info, ids, req.language)
          : undefined;
      return renderAdmin(
        res,
        'action_confirmation',
        {
          title: req.t('admin.confirm.title'),
          ...this.presenter.modelLocals(info, permissions, req.language),
          action: actionView(info, action, req),
          ids: acrossAll ? [] : ids,
          selectAcross: acrossAll,
          selection,
          changedMeanwhile,
          count: ids.length,
          objects: objects.map(({ id, repr }) => ({ repr, url: changeUrlOf(info.slug, id) })),
          more: ids.length > objects.length ? ids.length - objects.length : 0,
          summary,
          blocked: summary ? summary.blockers.length > 0 : false,
          qs: listQuery,
          backUrl: back,
        },
        info,
      );
    }

    if (action.name === 'export_csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${info.slug}.csv"`);
      res.status(200).send(await this.lists.exportCsv(info, ids));
      return;
    }
    if (action.name === 'delete_selected') {
      const summary = await this.objects.deleteSummary(info, ids);
      if (summary.blockers.length) throw new BadRequestException(message('admin.errors.selectionBlocked'));
      const deleted = await this.objects.delete(info, permissions.user, ids, action.label, req.language);
      // A flash is shown to the person who acted, next: the model named in their language now.
      const names = modelNames(info, req.language);
      addFlash(
        req,
        'success',
        message('admin.flash.deletedSelected', { count: deleted, singular: names.name, plural: names.names }),
      );
      return res.redirect(303, back);
    }
    const result = await this.objects.runAction(info, action, permissions.user, ids, req.language);
    addFlash(
      req,
      'success',
      result.message ??
        message('admin.flash.actionDone', {
          action: actionView(info, action, req).label,
          changed: result.changed,
          total: ids.length,
        }),
    );
    res.redirect(303, back);
  }

  @Get(':model/add')
  async addForm(@Param('model') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { info, permissions } = await this.authorize(slug, req, 'add');
    await this.renderForm(req, res, info, permissions, null, null, {});
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
      const saved = await this.objects.save(info, permissions.user, body, undefined, permissions);
      addFlash(
        req,
        'success',
        message('admin.flash.added', { name: modelNames(info, req.language).name, repr: saved.repr }),
      );
      res.redirect(303, this.afterSave(info, body, saved.id, permissions.can(info, 'change')));
    } catch (error) {
      if (!(error instanceof AdminFormError)) throw error;
      await this.renderForm(req, res, info, permissions, null, body, error.errors, error.status);
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
    await this.renderForm(req, res, info, permissions, row, null, {});
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
      const saved = await this.objects.save(info, permissions.user, body, id, permissions);
      addFlash(
        req,
        'success',
        message('admin.flash.changed', { name: modelNames(info, req.language).name, repr: saved.repr }),
      );
      res.redirect(303, this.afterSave(info, body, saved.id, true));
    } catch (error) {
      if (!(error instanceof AdminFormError)) throw error;
      const row = await this.objects.get(info, id);
      await this.renderForm(req, res, info, permissions, row, body, error.errors, error.status);
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
      throw new ForbiddenException(
        message('admin.errors.mayNotDelete', { name: modelNames(info, req.language).name }),
      );
    }
    const pk = row[info.pk.name] as string | number;
    const summary = await this.objects.deleteSummary(info, [pk], req.language);
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
        title: req.t('admin.confirm.title'),
        ...this.presenter.modelLocals(info, permissions, req.language),
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
    if (summary.blockers.length) throw new BadRequestException(message('admin.errors.objectBlocked'));
    await this.objects.delete(info, permissions.user, [pk], '', req.language);
    addFlash(
      req,
      'success',
      message('admin.flash.deleted', {
        name: modelNames(info, req.language).name,
        repr: this.site.repr(info, row),
      }),
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
    const history = await this.objects.history(info, id);
    renderAdmin(
      res,
      'history',
      {
        title: req.t('admin.history.title', { name: history.repr }),
        ...this.presenter.modelLocals(info, permissions, req.language),
        object: {
          id: history.id,
          repr: history.repr,
          url: history.exists ? `/admin/${info.slug}/${history.id}` : undefined,
        },
        entries: historyView(info, history.entries, req.language),
      },
      info,
    );
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
    req: Request,
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
      req.language,
    );
    const id = row ? String(row[info.pk.name]) : undefined;
    const url = id ? `/admin/${info.slug}/${id}` : undefined;
    const version = row && info.versionField ? (row[info.versionField] as Date | null) : null;
    const names = modelNames(info, req.language);
    renderAdmin(
      res,
      'change_form',
      {
        // "Add <model>" takes the accusative in Ukrainian and Russian ("Додати подію").
        title: req.t(
          row
            ? editable
              ? 'adminLabels.sentences.titleChange'
              : 'adminLabels.sentences.titleView'
            : 'adminLabels.sentences.titleAdd',
          { name: names.name, accusative: names.accusative },
        ),
        ...this.presenter.modelLocals(info, permissions, req.language),
        adding: !row,
        editable,
        fields,
        inlines: await this.inlines.views(info, row, permissions, values, errors, editable, req.language),
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
