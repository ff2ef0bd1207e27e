import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import type { Language } from '../i18n/languages';
import { message } from '../i18n/translator';
import { PrismaService } from '../prisma/prisma.service';
import type { FieldErrors } from '../web/forms';
import type { AdminPermissions } from './admin-access';
import { delegateOf, type PrismaLike } from './admin-data';
import { choiceLabel, fieldLabel, modelNames } from './admin-labels';
import { AdminLogService, type AdminLogEntry } from './admin-log.service';
import { AdminSite, formatValue, type AdminField, type AdminInline, type AdminModelInfo } from './admin-site';
import { formValue, parseForm, parsePk, sameValue, type SubmittedForm } from './admin-values';
import { changeUrlOf } from './admin-views';
import { dmmfModel } from './dmmf';
import type { AdminRow } from './model-admin';

/** One row of an inline as submitted: what it asks for. */
export interface InlineOperation {
  kind: 'add' | 'change' | 'delete';
  /** The row's position in the table (its field names are `<prefix>-<index>-<field>`). */
  index: number;
  id?: string | number;
  before?: AdminRow;
  data: AdminRow;
}

export interface InlinePlan {
  inline: AdminInline;
  operations: InlineOperation[];
}

/** A row's write failed inside the transaction (a feature rule): shown at that row. */
export class InlineRowError extends Error {
  constructor(
    readonly inline: AdminInline,
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`Inline ${inline.info.name} row ${index} failed`);
  }
}

/** Form-field name of one cell of an inline row. */
export function cellName(inline: AdminInline, index: number, field: string): string {
  return `${inline.prefix}-${index}-${field}`;
}

/** Field errors of one row under the names of its cells (`_form` becomes the row's own message). */
export function rowErrors(inline: AdminInline, index: number, errors: FieldErrors): FieldErrors {
  return Object.fromEntries(
    Object.entries(errors).map(([field, messages]) => [
      field === '_form' ? `${inline.prefix}-${index}` : cellName(inline, index, field),
      messages,
    ]),
  );
}

/** Most rows one inline accepts in a post: those shown plus a generous number of added ones. */
const MAX_POSTED_EXTRA = 100;

/**
 * Django's inline formsets for the admin: the rows of each inline shown on a change page, the
 * rows a save posted turned into validated operations (permissions checked per row), and those
 * operations applied in the parent's transaction with their admin-log entries.
 */
@Injectable()
export class AdminInlinesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly site: AdminSite,
  ) {}

  /** The inline's rows of one parent (at most maxShown, in its order) and how many there are. */
  async rows(inline: AdminInline, parentId: string | number) {
    const delegate = delegateOf(this.prisma, inline.info.name);
    const where = { [inline.fk]: parentId };
    const [rows, total] = await Promise.all([
      delegate.findMany({ where, orderBy: inline.orderBy, take: inline.maxShown }),
      delegate.count({ where, take: 10_001 }),
    ]);
    return { rows, total };
  }

  /**
   * What the change page shows of every inline the user may view: a table per inline with its
   * rows (submitted values and errors after a refused save) and `extra` empty rows when adding is
   * allowed.
   */
  async views(
    parent: AdminModelInfo,
    parentRow: AdminRow | null,
    permissions: AdminPermissions,
    values: SubmittedForm | null,
    errors: FieldErrors,
    parentEditable: boolean,
    language: Language,
  ) {
    if (!parentRow) return [];
    const parentId = parentRow[parent.pk.name] as string | number;
    const views = [];
    for (const inline of parent.inlines) {
      if (!permissions.granted(inline.info, 'view')) continue;
      const { rows, total } = await this.rows(inline, parentId);
      const canChange = parentEditable && permissions.granted(inline.info, 'change');
      const canAdd = parentEditable && permissions.granted(inline.info, 'add');
      const canDelete = parentEditable && inline.canDelete && permissions.granted(inline.info, 'delete');
      const reprs = await this.relatedReprs(inline.fields, rows);
      const posted = values ? Number(values[`${inline.prefix}-TOTAL`]) : NaN;
      const extra = canAdd
        ? Math.max(
            inline.extra,
            Number.isInteger(posted) ? Math.min(posted, rows.length + MAX_POSTED_EXTRA) - rows.length : 0,
          )
        : 0;
      const cells = (row: AdminRow | null, index: number) =>
        inline.fields.map((field) => {
          const name = cellName(inline, index, field.name);
          const editable = row
            ? canChange && !field.readonly && !inline.createOnly.has(field.name)
            : canAdd && !field.readonly;
          const submitted = values?.[name];
          const value =
            values && editable
              ? typeof submitted === 'string'
                ? submitted
                : ''
              : row
                ? formValue(field, row[field.name])
                : '';
          const stored = row?.[field.name];
          const related = field.relation
            ? reprs.get(`${field.relation.target}:${String(stored)}`)
            : undefined;
          return {
            name,
            label: fieldLabel(inline.info, field.relation?.name ?? field.name, field.label, language),
            editable,
            widget: field.widget,
            [`is_${field.widget}`]: true,
            value,
            checked: values ? ['on', 'true', '1'].includes(String(submitted ?? '')) : stored === true,
            display: related
              ? `${related.repr} (#${String(stored)})`
              : typeof stored === 'string' && field.enumValues?.includes(stored)
                ? choiceLabel(inline.info.name, field.name, stored, language)
                : row
                  ? formatValue(stored, language)
                  : '',
            displayUrl: related?.url,
            maxLength: field.maxLength,
            options:
              field.widget === 'select'
                ? [
                    ...(field.nullable || !row
                      ? [{ value: '', label: '---------', selected: value === '' }]
                      : []),
                    ...(field.enumValues ?? []).map((option) => ({
                      value: option,
                      label: choiceLabel(inline.info.name, field.name, option, language),
                      selected: option === value,
                    })),
                  ]
                : undefined,
            lookupUrl: field.relation ? this.lookupUrl(field) : undefined,
            errors: errors[name] ?? [],
          };
        });
      const rowView = (row: AdminRow | null, index: number) => {
        const id = row ? String(row[inline.info.pk.name]) : '';
        return {
          index,
          id,
          idName: cellName(inline, index, 'id'),
          deleteName: cellName(inline, index, 'DELETE'),
          url: row ? changeUrlOf(inline.info.slug, id) : undefined,
          repr: row ? this.site.repr(inline.info, row) : undefined,
          cells: cells(row, index),
          canDelete: row ? canDelete : false,
          deleteChecked: values ? values[cellName(inline, index, 'DELETE')] !== undefined : false,
          errors: errors[`${inline.prefix}-${index}`] ?? [],
          hasErrors: Object.keys(errors).some((key) => key.startsWith(`${inline.prefix}-${index}`)),
        };
      };
      const shown = rows.map((row, index) => rowView(row, index));
      const empty = Array.from({ length: extra }, (_, offset) => rowView(null, rows.length + offset));
      views.push({
        label: inlineLabel(inline, language),
        prefix: inline.prefix,
        headers: inline.fields.map((field) => ({
          label: fieldLabel(inline.info, field.relation?.name ?? field.name, field.label, language),
          required: field.required,
        })),
        rows: [...shown, ...empty],
        total: rows.length + empty.length,
        editable: canChange || canAdd || canDelete,
        canDelete,
        more: total > rows.length ? total - rows.length : 0,
        // The complete list, filtered to this parent (when the inline model has that filter).
        allUrl: inline.info.filters.some((filter) => filter.foreignKey === inline.fk)
          ? `/admin/${inline.info.slug}?f_${inline.info.filters.find((filter) => filter.foreignKey === inline.fk)!.field}=${String(parentId)}`
          : `/admin/${inline.info.slug}`,
      });
    }
    return views;
  }

  private lookupUrl(field: AdminField): string | undefined {
    const target = field.relation ? this.site.byName(field.relation.target) : undefined;
    return target ? `/admin/${target.slug}/lookup` : undefined;
  }

  /** Names of the related objects the rows' foreign keys point at, one query per related model. */
  private async relatedReprs(fields: AdminField[], rows: AdminRow[]) {
    const reprs = new Map<string, { repr: string; url: string }>();
    for (const field of fields) {
      const target = field.relation ? this.site.byName(field.relation.target) : undefined;
      if (!target) continue;
      const ids = [
        ...new Set(rows.map((row) => row[field.name]).filter((id) => id !== null && id !== undefined)),
      ];
      if (!ids.length) continue;
      const related = await delegateOf(this.prisma, target.name).findMany({
        where: { [target.pk.name]: { in: ids } },
        select: this.site.reprSelect(target),
      });
      for (const row of related) {
        const id = row[target.pk.name] as string | number;
        reprs.set(`${target.name}:${String(id)}`, {
          repr: this.site.repr(target, row),
          url: changeUrlOf(target.slug, id),
        });
      }
    }
    return reprs;
  }

  /**
   * The operations the posted rows ask for, and their field errors (under the cells' names).
   * A row the user may not write is refused with a 403 before anything is written: the page
   * offers no such controls, so only a hand-made post gets there. Unchanged rows and empty extra
   * rows are no operation.
   */
  async plan(
    parent: AdminModelInfo,
    body: SubmittedForm,
    permissions: AdminPermissions,
    parentId: string | number | undefined,
  ): Promise<{ plans: InlinePlan[]; errors: FieldErrors }> {
    const plans: InlinePlan[] = [];
    const errors: FieldErrors = {};
    for (const inline of parent.inlines) {
      const totalText = body[`${inline.prefix}-TOTAL`];
      // A form without this inline's table (a page rendered without it) changes none of its rows.
      if (totalText === undefined) continue;
      const total = Number(totalText);
      if (!Number.isInteger(total) || total < 0 || total > inline.maxShown + MAX_POSTED_EXTRA) {
        throw new BadRequestException(
          message('admin.errors.rowCountInvalid', { name: inlineLabel(inline, permissions.language) }),
        );
      }
      const existing = await this.postedRows(inline, body, total, parentId, permissions.language);
      const operations: InlineOperation[] = [];
      const fail = (index: number, rowFieldErrors: FieldErrors) =>
        Object.assign(errors, rowErrors(inline, index, rowFieldErrors));
      for (let index = 0; index < total; index++) {
        const rawId = body[cellName(inline, index, 'id')];
        const hasId = typeof rawId === 'string' && rawId !== '';
        const before = hasId ? existing.get(rawId) : undefined;
        if (hasId && !before) {
          fail(index, {
            _form: [
              message('admin.validation.rowGone', {
                name: modelNames(inline.info, permissions.language).name,
              }),
            ],
          });
          continue;
        }
        const cell = (field: string) => body[cellName(inline, index, field)];
        if (before) {
          const id = before[inline.info.pk.name] as string | number;
          if (cell('DELETE') !== undefined) {
            if (!inline.canDelete)
              throw new BadRequestException(
                message('admin.errors.rowNotDeletable', { name: inlineLabel(inline, permissions.language) }),
              );
            this.require(permissions, inline.info, 'delete', before);
            operations.push({ kind: 'delete', index, id, before, data: {} });
            continue;
          }
          const fields = inline.fields.filter(
            (field) => !field.readonly && !inline.createOnly.has(field.name),
          );
          const parsed = parseForm(fields, this.rowBody(inline, index, fields, body), false, this.pkOf);
          const changed = Object.fromEntries(
            Object.entries(parsed.data).filter(([name, value]) => !sameValue(before[name], value)),
          );
          if (!Object.keys(changed).length && !Object.keys(parsed.errors).length) continue;
          this.require(permissions, inline.info, 'change', before);
          const rowFieldErrors = { ...parsed.errors };
          if (!Object.keys(rowFieldErrors).length) {
            Object.assign(
              rowFieldErrors,
              await this.checkRow(inline, changed, { ...before, ...changed }, before, parentId),
            );
          }
          if (Object.keys(rowFieldErrors).length) fail(index, rowFieldErrors);
          else operations.push({ kind: 'change', index, id, before, data: changed });
          continue;
        }
        const fields = inline.fields.filter((field) => !field.readonly);
        const rowBody = this.rowBody(inline, index, fields, body);
        // An extra row left as it was shown: nothing to add (Django's empty_permitted).
        if (fields.every((field) => ['', undefined].includes(formTextOf(rowBody[field.name])))) continue;
        if (!permissions.granted(inline.info, 'add')) {
          throw new ForbiddenException(
            message('admin.errors.noPermissionAdd', {
              name: modelNames(inline.info, permissions.language).names,
            }),
          );
        }
        const parsed = parseForm(fields, rowBody, true, this.pkOf);
        const rowFieldErrors = { ...parsed.errors };
        if (!Object.keys(rowFieldErrors).length) {
          Object.assign(
            rowFieldErrors,
            await this.checkRow(inline, parsed.data, parsed.data, null, parentId),
          );
        }
        if (Object.keys(rowFieldErrors).length) fail(index, rowFieldErrors);
        else operations.push({ kind: 'add', index, data: parsed.data });
      }
      plans.push({ inline, operations });
    }
    return { plans, errors };
  }

  private require(
    permissions: AdminPermissions,
    info: AdminModelInfo,
    action: 'change' | 'delete',
    row: AdminRow,
  ): void {
    if (!permissions.granted(info, action) || !this.site.allowsObject(info, row, permissions.user, action)) {
      throw new ForbiddenException(
        message(action === 'change' ? 'admin.errors.mayNotChange' : 'admin.errors.mayNotDelete', {
          name: modelNames(info, permissions.language).name,
        }),
      );
    }
  }

  private rowBody(
    inline: AdminInline,
    index: number,
    fields: AdminField[],
    body: SubmittedForm,
  ): SubmittedForm {
    return Object.fromEntries(fields.map((field) => [field.name, body[cellName(inline, index, field.name)]]));
  }

  /** The stored rows the post names, which must be this parent's (by the id as posted). */
  private async postedRows(
    inline: AdminInline,
    body: SubmittedForm,
    total: number,
    parentId: string | number | undefined,
    language: Language,
  ): Promise<Map<string, AdminRow>> {
    const ids: (string | number)[] = [];
    for (let index = 0; index < total; index++) {
      const raw = body[cellName(inline, index, 'id')];
      if (raw === undefined || raw === '') continue;
      const id = typeof raw === 'string' ? parsePk(inline.info.pk, raw) : undefined;
      if (id === undefined)
        throw new BadRequestException(
          message('admin.errors.rowInvalidId', { name: inlineLabel(inline, language), row: index + 1 }),
        );
      ids.push(id);
    }
    if (!ids.length || parentId === undefined) return new Map();
    const rows = await delegateOf(this.prisma, inline.info.name).findMany({
      where: { [inline.info.pk.name]: { in: ids }, [inline.fk]: parentId },
    });
    return new Map(rows.map((row) => [String(row[inline.info.pk.name]), row]));
  }

  /** Relations that point nowhere, then the inline's own checks. */
  private async checkRow(
    inline: AdminInline,
    data: AdminRow,
    merged: AdminRow,
    existing: AdminRow | null,
    parentId: string | number | undefined,
  ): Promise<FieldErrors> {
    const errors: FieldErrors = {};
    for (const field of inline.fields) {
      const target = field.relation?.target;
      const id = data[field.name];
      const pk = target ? this.pkOf(target) : undefined;
      if (!target || !pk || id === undefined || id === null) continue;
      const found = await delegateOf(this.prisma, target).count({ where: { [pk.name]: id } });
      if (!found)
        errors[field.name] = [
          message('admin.validation.noSuchObject', { model: target, id: String(id as string | number) }),
        ];
    }
    if (Object.keys(errors).length || !inline.admin.validate) return errors;
    return inline.admin.validate(merged, existing, parentId);
  }

  private pkOf = (target: string) => {
    const registered = this.site.byName(target);
    if (registered) return registered.pk;
    return dmmfModel(target)?.fields.find((field) => field.isId);
  };

  /**
   * Applies the operations in the parent's transaction, deletions first (a freed place is there
   * for the rows added), through the inline's hooks when it has them. Returns the admin-log
   * entries of the inline objects and a summary for the parent's entry.
   */
  async apply(
    tx: Prisma.TransactionClient,
    plans: InlinePlan[],
    context: {
      permissions: AdminPermissions;
      parentId: string | number;
      afterCommit: (work: () => Promise<void>) => void;
    },
  ): Promise<{ entries: AdminLogEntry[]; summary: string[] }> {
    const entries: AdminLogEntry[] = [];
    const summary: string[] = [];
    const { permissions, parentId, afterCommit } = context;
    const user = permissions.user;
    const order = { delete: 0, change: 1, add: 2 } as const;
    for (const { inline, operations } of plans) {
      const info = inline.info;
      const delegate = delegateOf(tx, info.name);
      const hooks = inline.admin;
      const sorted = [...operations].sort((a, b) => order[a.kind] - order[b.kind] || a.index - b.index);
      for (const operation of sorted) {
        try {
          const base = { tx, afterCommit, user, parentId };
          if (operation.kind === 'delete') {
            const before = operation.before!;
            if (hooks.deleteObject) await hooks.deleteObject({ ...base, id: operation.id!, before });
            else
              await delegate.deleteMany({ where: { [info.pk.name]: operation.id, [inline.fk]: parentId } });
            const repr = this.site.repr(info, before);
            entries.push({ userId: user.id, info, objectId: operation.id!, repr, action: 'delete' });
            summary.push(`deleted ${info.label} “${repr}”`);
            continue;
          }
          if (operation.kind === 'change') {
            const before = operation.before!;
            if (hooks.updateObject) {
              await hooks.updateObject({ ...base, id: operation.id!, data: operation.data, before });
            } else {
              await delegate.updateMany({
                where: { [info.pk.name]: operation.id, [inline.fk]: parentId },
                data: operation.data,
              });
            }
            const after = await this.reload(tx, info, operation.id!);
            const changes = AdminLogService.changes(info, before, after, Object.keys(operation.data));
            const repr = this.site.repr(info, after);
            if (Object.keys(changes).length) {
              entries.push({
                userId: user.id,
                info,
                objectId: operation.id!,
                repr,
                action: 'change',
                changes,
              });
              summary.push(`changed ${Object.keys(changes).join(', ')} of ${info.label} “${repr}”`);
            }
            continue;
          }
          const data = { ...operation.data, [inline.fk]: parentId };
          const id = hooks.createObject
            ? await hooks.createObject({ ...base, data })
            : ((await delegate.create({ data }))[info.pk.name] as string | number);
          const after = await this.reload(tx, info, id);
          const repr = this.site.repr(info, after);
          const fields = [...inline.fields.map((field) => field.name), inline.fk];
          const none = Object.fromEntries(fields.map((field) => [field, null]));
          const changes = AdminLogService.changes(info, none, after, fields);
          entries.push({ userId: user.id, info, objectId: id, repr, action: 'add', changes });
          summary.push(`added ${info.label} “${repr}”`);
        } catch (error) {
          throw new InlineRowError(inline, operation.index, error);
        }
      }
    }
    return { entries, summary };
  }

  private async reload(client: PrismaLike, info: AdminModelInfo, id: string | number): Promise<AdminRow> {
    const row = await delegateOf(client, info.name).findUnique({ where: { [info.pk.name]: id } });
    if (!row) throw new Error(`${info.name} ${String(id)} vanished during the save`);
    return row;
  }
}

function formTextOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length ? String(value[value.length - 1]).trim() : '';
  return typeof value === 'string' ? value.trim() : '';
}

/** An inline's heading: as the registration declares it, else the inline model's plural in `language`. */
function inlineLabel(inline: AdminInline, language: Language): string {
  return inline.admin.label ?? modelNames(inline.info, language).labelPlural;
}
