import { Injectable } from '@nestjs/common';
import type { Language } from '../i18n/languages';
import { PrismaService } from '../prisma/prisma.service';
import type { FieldErrors } from '../web/forms';
import type { AdminPermissions } from './admin-access';
import { delegateOf } from './admin-data';
import { choiceLabel, fieldHelp, fieldLabel, modelNames, moduleLabel } from './admin-labels';
import type { AdminChanges, AdminLogService } from './admin-log.service';
import { changeUrlOf } from './admin-views';
import { AdminSite, formatValue, humanize, type AdminField, type AdminModelInfo } from './admin-site';
import { formValue, type SubmittedForm } from './admin-values';
import { ChangeListService } from './change-list.service';
import type { AdminRow } from './model-admin';

/** Many-to-many fields list every choice as a checkbox up to this many; else ids in a text box. */
const M2M_CHOICES_LIMIT = 500;

export interface FormFieldView {
  name: string;
  label: string;
  help?: string;
  widget: string;
  value: string;
  checked: boolean;
  readonly: boolean;
  display: string;
  required: boolean;
  maxLength?: number;
  errors: string[];
  options?: { value: string; label: string; selected: boolean }[];
  lookupUrl?: string;
  currentRepr?: string;
  [flag: string]: unknown;
}

/** Turns rows and fields into what the admin templates show. */
@Injectable()
export class AdminPresenter {
  constructor(
    private readonly prisma: PrismaService,
    private readonly site: AdminSite,
    private readonly lists: ChangeListService,
  ) {}

  /** The index's modules and models, named in `language`. */
  nav(permissions: AdminPermissions, language: Language) {
    const modules = new Map<string, { name: string; models: Record<string, unknown>[] }>();
    for (const info of this.site.all()) {
      if (!permissions.any(info)) continue;
      const group = modules.get(info.module) ?? { name: moduleLabel(info.module, language), models: [] };
      group.models.push({
        label: modelNames(info, language).labelPlural,
        url: `/admin/${info.slug}`,
        canView: permissions.can(info, 'view'),
        addUrl: permissions.can(info, 'add') ? `/admin/${info.slug}/add` : undefined,
      });
      modules.set(info.module, group);
    }
    // As Django's index: modules by name, their models by label (as the reader reads them).
    for (const group of modules.values()) {
      group.models.sort((a, b) => String(a.label).localeCompare(String(b.label), language));
    }
    return [...modules.values()].sort((a, b) => a.name.localeCompare(b.name, language));
  }

  /** `model`: its names in `language` (see ModelNames) for the headings and sentences. */
  modelLocals(info: AdminModelInfo, permissions: AdminPermissions, language: Language) {
    return {
      model: {
        ...modelNames(info, language),
        slug: info.slug,
        url: `/admin/${info.slug}`,
        module: moduleLabel(info.module, language),
      },
      perms: permissions.flags(info),
    };
  }

  /**
   * Form fields for the add/change page. `values` are submitted values on a re-render after errors,
   * `row` the stored object; `editable` false shows everything read-only (view permission only).
   */
  async formFields(
    info: AdminModelInfo,
    row: AdminRow | null,
    values: SubmittedForm | null,
    errors: FieldErrors,
    editable: boolean,
    linkIds: Record<string, (string | number)[]>,
    user: { isSuperuser: boolean },
    language: Language,
  ): Promise<FormFieldView[]> {
    const all = this.site.formFieldsFor(info, user);
    const fields = row ? all : all.filter((field) => !field.readonly);
    return Promise.all(
      fields.map((field) => this.fieldView(info, field, row, values, errors, editable, linkIds, language)),
    );
  }

  private async fieldView(
    info: AdminModelInfo,
    field: AdminField,
    row: AdminRow | null,
    values: SubmittedForm | null,
    errors: FieldErrors,
    editable: boolean,
    linkIds: Record<string, (string | number)[]>,
    language: Language,
  ): Promise<FormFieldView> {
    const stored = row?.[field.name];
    const submitted = values?.[field.name];
    const readonly = field.readonly || !editable;
    const value =
      values && !field.readonly
        ? Array.isArray(submitted)
          ? submitted.filter((item) => typeof item === 'string').join(', ')
          : typeof submitted === 'string'
            ? submitted
            : ''
        : formValue(field, stored);
    const view: FormFieldView = {
      name: field.name,
      label: fieldLabel(info, field.relation?.name ?? field.name, field.label, language),
      help: fieldHelp(info, field.name, field.help, language),
      widget: field.widget,
      [`is_${field.widget}`]: true,
      value,
      checked: values ? ['on', 'true', '1'].includes(String(submitted ?? '')) : stored === true,
      readonly,
      display:
        typeof stored === 'string' && field.enumValues?.includes(stored)
          ? choiceLabel(info.name, field.name, stored, language)
          : formatValue(stored, language),
      required: field.required,
      maxLength: field.maxLength,
      errors: errors[field.name] ?? [],
    };
    if (field.widget === 'select') {
      view.options = [
        ...(field.nullable || !row ? [{ value: '', label: '---------', selected: value === '' }] : []),
        ...(field.enumValues ?? []).map((option) => ({
          value: option,
          label: choiceLabel(info.name, field.name, option, language),
          selected: option === value,
        })),
      ];
    }
    if (field.widget === 'fk' && field.relation) {
      const target = this.site.byName(field.relation.target);
      if (target) view.lookupUrl = `/admin/${target.slug}/lookup`;
      const id = stored ?? null;
      if (target && id !== null) {
        const related = await delegateOf(this.prisma, target.name).findUnique({
          where: { [target.pk.name]: id },
          select: this.site.reprSelect(target),
        });
        view.currentRepr = related ? this.site.repr(target, related) : undefined;
        view.display = view.currentRepr ? `${view.currentRepr} (#${String(id)})` : String(id);
        view.currentUrl = changeUrlOf(target.slug, id);
      }
    }
    if (field.widget === 'm2m' && field.m2m) {
      const target = this.site.byName(field.m2m.target);
      const selectedIds = values
        ? [submitted ?? []].flat().flatMap((item) => String(item).split(/[\s,]+/))
        : (linkIds[field.name] ?? []).map(String);
      const selected = new Set(selectedIds.filter(Boolean));
      const targetName = field.m2m.target;
      const pkName = target?.pk.name ?? 'id';
      const estimate = await this.lists.estimate(target?.table ?? targetName);
      const rows =
        estimate <= M2M_CHOICES_LIMIT
          ? await delegateOf(this.prisma, targetName).findMany({
              select: target ? this.site.reprSelect(target) : { id: true },
              orderBy: { [pkName]: 'asc' },
              take: M2M_CHOICES_LIMIT + 1,
            })
          : [];
      const label = (r: AdminRow) => (target ? this.site.repr(target, r) : `#${String(r[pkName])}`);
      if (estimate <= M2M_CHOICES_LIMIT && rows.length <= M2M_CHOICES_LIMIT) {
        view.options = rows.map((r) => ({
          value: String(r[pkName]),
          label: label(r),
          selected: selected.has(String(r[pkName])),
        }));
        view.display =
          view.options
            .filter((option) => option.selected)
            .map((option) => option.label)
            .join(', ') || '—';
      } else {
        view.value = [...selected].join(', ');
        view.display = view.value || '—';
        view.is_m2m = false;
        view.is_m2mIds = true;
      }
    }
    return view;
  }
}

/** A history page's entries: who, when, and each field's old → new value (secrets only named). */
export function historyView(
  info: AdminModelInfo,
  entries: Awaited<ReturnType<AdminLogService['history']>>,
  language: Language,
) {
  const labels = new Map(
    info.formFields.map((field) => [
      field.name,
      fieldLabel(info, field.relation?.name ?? field.name, field.label, language),
    ]),
  );
  return entries.map((entry) => ({
    when: entry.createdAt,
    // Catalogue keys where the page says something of its own (shown with {{tm}}).
    who: entry.user?.email ?? 'admin.log.deletedUser',
    action: entry.action,
    actionLabel: `admin.log.${entry.action}`,
    message: entry.message,
    changes: Object.entries((entry.changes ?? {}) as AdminChanges).map(([field, change]) => ({
      field: labels.get(field) ?? fieldLabel(info, field, humanize(field), language),
      secret: change === null,
      old: change ? formatValue(change[0], language) : '',
      new: change ? formatValue(change[1], language) : '',
    })),
  }));
}
