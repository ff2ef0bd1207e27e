import { Injectable, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { SessionUser } from '../accounts/session-user';
import type { Language } from '../i18n/languages';
import { message, translate } from '../i18n/translator';
import { choiceLabel } from './admin-labels';
import { DATAMODEL, dmmfEnum, dmmfModel, type DmmfField, type DmmfModel } from './dmmf';
import {
  RegisterAdmin,
  type AdminColumn,
  type AdminWidget,
  type InlineAdmin,
  type ModelAdmin,
} from './model-admin';

export interface AdminField {
  /** Form field name: the scalar (for relations, the foreign key) or the many-to-many relation. */
  name: string;
  label: string;
  help?: string;
  widget: AdminWidget;
  /** The scalar column (for `m2m`, the relation list field). */
  dmmf: DmmfField;
  /** Must be filled in on the add form (no default, not nullable). */
  required: boolean;
  nullable: boolean;
  maxLength?: number;
  enumValues?: readonly string[];
  readonly: boolean;
  secret: boolean;
  /** `fk`: the to-one relation whose foreign key this field is. */
  relation?: { name: string; target: string };
  /** `m2m`: through an explicit link table (e.g. UserGroup between User and Group). */
  m2m?: { linkModel: string; ownKey: string; otherKey: string; target: string };
}

export interface ListColumn {
  key: string;
  label: string;
  /** The scalar to ORDER BY when the header is clicked (none for computed columns). */
  sortField?: string;
  /** The cell's text; `language` for what the page says itself (yes/no), omitted for the CSV export. */
  render: (row: Record<string, unknown>, language?: Language) => string;
  include?: Record<string, unknown>;
  /** Short values (dates, numbers, yes/no) the change list keeps on one line. */
  nowrap?: boolean;
}

export interface AdminFilter {
  field: string;
  label: string;
  kind: 'boolean' | 'enum' | 'date' | 'relation';
  enumValues?: readonly string[];
  /** `relation`: the foreign key to filter on and the related model. */
  foreignKey?: string;
  target?: string;
  nullable: boolean;
}

/** An inline as the parent's change page uses it (see InlineAdmin). */
export interface AdminInline {
  admin: InlineAdmin;
  /** The inline model's registration. */
  info: AdminModelInfo;
  /** Form-field prefix of its rows: `<prefix>-<n>-<field>` (the inline model's slug). */
  prefix: string;
  fk: string;
  /** Its columns: the inline model's form fields, read-only where the inline says so. */
  fields: AdminField[];
  createOnly: ReadonlySet<string>;
  extra: number;
  canDelete: boolean;
  maxShown: number;
  orderBy: Record<string, 'asc' | 'desc'>[];
  label: string;
}

export interface AdminModelInfo {
  name: string;
  /** URL segment and permission prefix: the model name lower-cased (`outgoingemail`). */
  slug: string;
  admin: ModelAdmin;
  dmmf: DmmfModel;
  label: string;
  labelPlural: string;
  module: string;
  table: string;
  pk: DmmfField;
  /** The Prisma client property (`outgoingEmail`). */
  delegate: string;
  reprField?: string;
  columns: ListColumn[];
  searchFields: readonly string[];
  filters: AdminFilter[];
  ordering: readonly string[];
  formFields: AdminField[];
  /** Holds `updatedAt` (an @updatedAt field): saves are refused over a newer change. */
  versionField?: string;
  secretFields: Set<string>;
  perPage: number;
  /**
   * Whether the add form can create an object: it edits every column the database requires and
   * cannot default. Registrations that show such a column read-only (API tokens: the owner
   * creates them) get no add form.
   */
  addable: boolean;
  inlines: AdminInline[];
}

const SECRET_NAME = /password|secret|tokenhash/i;

export function humanize(name: string): string {
  const words = name
    .replace(/Id$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Most rows a change-list page may show (see the check where registrations are resolved). */
export const MAX_PER_PAGE = 500;

/**
 * A value as the admin shows it. With `language` (the pages), a boolean reads "Так"/"Да"; without
 * it (the CSV export, the admin log's stored values) it stays "Yes"/"No": a spreadsheet column
 * and a filter on it should not depend on who exported it.
 */
export function formatValue(value: unknown, language?: Language): string {
  if (value === null || value === undefined) return '—';
  if (value instanceof Date)
    return value
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, ' UTC');
  if (typeof value === 'boolean') {
    if (language) return translate(language, value ? 'admin.filter.yes' : 'admin.filter.no');
    return value ? 'Yes' : 'No';
  }
  if (value instanceof Uint8Array) return `(${value.length} bytes)`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * The registered models: every provider marked @RegisterAdmin(), found when the application
 * starts and resolved against the Prisma schema. A registration naming a field the schema does
 * not have, or a model registered twice, fails the boot (a typo must not silently drop a column).
 */
@Injectable()
export class AdminSite implements OnModuleInit {
  private readonly models = new Map<string, AdminModelInfo>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const registrations = this.discovery
      .getProviders({ metadataKey: RegisterAdmin.KEY })
      .map((wrapper) => wrapper.instance as ModelAdmin);
    this.registerAll(registrations);
  }

  /**
   * Registers and resolves these models (relation columns may name one another), in the order of
   * their model names: discovery order follows instantiation, which nobody should have to know.
   */
  private registerAll(registrations: readonly ModelAdmin[]): void {
    const byName = [...registrations].sort((a, b) => a.model.localeCompare(b.model));
    for (const admin of byName) this.register(admin);
    for (const resolve of this.pending.splice(0)) resolve();
    // Inlines use their models' resolved form fields.
    for (const info of this.models.values())
      info.inlines = (info.admin.inlines ?? []).map((inline) => this.inline(info, inline));
  }

  private inline(parent: AdminModelInfo, admin: InlineAdmin): AdminInline {
    const info = this.byName(admin.model);
    const where = `Admin ${parent.name}: inline ${admin.model}`;
    if (!info) throw new Error(`${where} is not registered in the admin`);
    const fk = info.dmmf.fields.find(
      (field) =>
        field.kind === 'object' &&
        field.type === parent.name &&
        field.relationFromFields?.length === 1 &&
        field.relationFromFields[0] === admin.fk,
    );
    if (!fk) throw new Error(`${where}: "${admin.fk}" is not its foreign key to ${parent.name}`);
    const readonly = new Set(admin.readonlyFields ?? []);
    const fields = admin.fields.map((name) => {
      const field = info.formFields.find((candidate) => candidate.name === name);
      if (!field || field.widget === 'm2m' || name === admin.fk) {
        throw new Error(`${where}: "${name}" is not one of its form fields`);
      }
      return readonly.has(name) ? { ...field, readonly: true } : field;
    });
    const ordering = admin.ordering ?? info.ordering;
    for (const key of ordering) {
      if (!info.dmmf.fields.some((field) => field.name === key.replace(/^-/, ''))) {
        throw new Error(`${where}: cannot order by "${key}"`);
      }
    }
    return {
      admin,
      info,
      prefix: info.slug,
      fk: admin.fk,
      fields,
      createOnly: new Set(admin.createOnlyFields ?? []),
      extra: admin.extra ?? 1,
      canDelete: admin.canDelete ?? true,
      maxShown: admin.maxShown ?? 50,
      orderBy: [
        ...ordering.map(
          (key) => ({ [key.replace(/^-/, '')]: key.startsWith('-') ? 'desc' : 'asc' }) as const,
        ),
        { [info.pk.name]: 'asc' as const },
      ],
      label: admin.label ?? info.labelPlural,
    };
  }

  all(): AdminModelInfo[] {
    return [...this.models.values()];
  }

  get(slug: string): AdminModelInfo {
    const info = this.models.get(slug);
    // Shown to a person (the 404 page, or JSON): a descriptor, translated where it is shown.
    if (!info)
      throw new NotFoundException(message('adminLabels.errors.noModel', { model: slug.slice(0, 100) }));
    return info;
  }

  byName(name: string): AdminModelInfo | undefined {
    return this.models.get(name.toLowerCase());
  }

  /** The form fields as this user may edit them (superuser-only fields read-only for others). */
  formFieldsFor(info: AdminModelInfo, user: { isSuperuser: boolean }): AdminField[] {
    const only = new Set(info.admin.superuserOnlyFields ?? []);
    if (user.isSuperuser || !only.size) return info.formFields;
    return info.formFields.map((field) => (only.has(field.name) ? { ...field, readonly: true } : field));
  }

  /** The registration's per-object check (true when it has none). */
  allowsObject(
    info: AdminModelInfo,
    row: Record<string, unknown>,
    user: SessionUser,
    action: 'change' | 'delete',
  ): boolean {
    return info.admin.objectPermission ? info.admin.objectPermission(row, user, action) : true;
  }

  /** The text naming an object. */
  repr(info: AdminModelInfo, row: Record<string, unknown>): string {
    const value = info.reprField ? row[info.reprField] : undefined;
    const id = String(row[info.pk.name]);
    return value !== undefined && value !== null && value !== '' ? String(value) : `${info.label} #${id}`;
  }

  /** Prisma `select` for what `repr` needs. */
  reprSelect(info: AdminModelInfo): Record<string, true> {
    return { [info.pk.name]: true, ...(info.reprField ? { [info.reprField]: true } : {}) };
  }

  private register(admin: ModelAdmin): void {
    const model = dmmfModel(admin.model);
    if (!model) throw new Error(`Admin registration: no Prisma model "${admin.model}"`);
    if (this.models.has(model.name.toLowerCase())) {
      throw new Error(`Admin registration: ${admin.model} is registered twice`);
    }
    const pkName = model.primaryKey ? undefined : model.fields.find((field) => field.isId)?.name;
    if (!pkName) throw new Error(`Admin registration: ${admin.model} needs a single-field @id`);
    const fieldOf = (name: string): DmmfField => {
      const field = model.fields.find((candidate) => candidate.name === name);
      if (!field) throw new Error(`Admin registration ${admin.model}: no field "${name}"`);
      return field;
    };
    const label = admin.label ?? humanize(admin.model);
    const secretFields = new Set(
      admin.secretFields ??
        model.fields
          .filter((field) => field.kind === 'scalar' && SECRET_NAME.test(field.name))
          .map((f) => f.name),
    );
    const info: AdminModelInfo = {
      name: model.name,
      slug: model.name.toLowerCase(),
      admin,
      dmmf: model,
      label,
      labelPlural: admin.labelPlural ?? `${label}s`,
      module: admin.module,
      table: model.dbName ?? model.name,
      pk: fieldOf(pkName),
      delegate: lowerFirst(model.name),
      reprField: admin.reprField && fieldOf(admin.reprField).name,
      columns: [],
      searchFields: admin.searchFields ?? [],
      filters: [],
      ordering: admin.ordering ?? [`-${pkName}`],
      formFields: [],
      versionField: model.fields.find((field) => field.isUpdatedAt)?.name,
      secretFields,
      perPage: admin.listPerPage ?? 25,
      addable: true,
      inlines: [],
    };
    // A page's ticked objects are posted as one form field each: stay well under body-parser's
    // 1,000 fields (larger selections use "apply to every matching").
    if (info.perPage > MAX_PER_PAGE) {
      throw new Error(
        `Admin ${info.name}: listPerPage must be at most ${MAX_PER_PAGE} (got ${info.perPage})`,
      );
    }
    this.models.set(info.slug, info);
    // Columns and fields may refer to other registered models (relation reprs): resolved lazily.
    this.pending.push(() => this.resolve(info, fieldOf));
  }

  /** Columns, filters and fields, resolved once every model is registered (relation reprs). */
  private readonly pending: (() => void)[] = [];

  private resolve(info: AdminModelInfo, fieldOf: (name: string) => DmmfField): void {
    const admin = info.admin;
    const model = info.dmmf;
    const defaultColumns = [
      info.pk.name,
      ...(info.reprField && info.reprField !== info.pk.name ? [info.reprField] : []),
    ];
    info.columns = (admin.listDisplay ?? defaultColumns).map((key) =>
      this.column(info, key, fieldOf, admin.columns?.[key]),
    );
    if (admin.sortable) {
      const sortable = new Set(admin.sortable);
      for (const key of sortable) {
        if (!info.columns.some((column) => column.key === key)) {
          throw new Error(`Admin ${info.name}: sortable "${key}" is not a list column`);
        }
      }
      for (const column of info.columns) if (!sortable.has(column.key)) column.sortField = undefined;
    }
    for (const path of info.searchFields) this.checkPath(info, path, fieldOf);
    info.filters = (admin.listFilter ?? []).map((name) => this.filter(info, fieldOf(name)));
    for (const order of info.ordering) fieldOf(order.replace(/^-/, ''));

    const excluded = new Set([...(admin.exclude ?? []), ...info.secretFields]);
    const readonly = new Set(admin.readonlyFields ?? []);
    const relationByFk = new Map<string, DmmfField>();
    for (const field of model.fields) {
      if (field.kind === 'object' && !field.isList && field.relationFromFields?.length === 1) {
        relationByFk.set(field.relationFromFields[0], field);
      }
    }
    const candidates =
      admin.fields ??
      model.fields
        .filter((field) => {
          if (field.kind === 'object') return field.isList && this.linkTableOf(model, field) !== undefined;
          if (field.kind === 'unsupported' || field.type === 'Bytes') return false;
          return !field.isId && !field.isUpdatedAt;
        })
        .map((field) => field.name);
    info.formFields = candidates
      .filter((name) => !excluded.has(name))
      .map((name) => {
        const field = fieldOf(name);
        const override = admin.fieldOverrides?.[name] ?? {};
        const relation = relationByFk.get(name);
        const link = field.kind === 'object' ? this.linkTableOf(model, field) : undefined;
        if (field.kind === 'object' && !link) {
          throw new Error(`Admin registration ${model.name}: "${name}" is not a many-to-many link`);
        }
        const nativeLength =
          field.nativeType && /Char$/.test(field.nativeType[0]) ? Number(field.nativeType[1][0]) : undefined;
        const widget: AdminWidget =
          override.widget ??
          (override.choices
            ? 'select'
            : link
              ? 'm2m'
              : relation
                ? 'fk'
                : field.kind === 'enum'
                  ? 'select'
                  : field.type === 'Boolean'
                    ? 'checkbox'
                    : field.type === 'DateTime'
                      ? 'datetime'
                      : field.type === 'Json'
                        ? 'json'
                        : ['Int', 'BigInt', 'Float', 'Decimal'].includes(field.type)
                          ? 'number'
                          : nativeLength
                            ? 'text'
                            : 'textarea');
        return {
          name,
          label: override.label ?? humanize(relation ? relation.name : name),
          help: override.help,
          widget,
          dmmf: field,
          required:
            field.kind !== 'object' && field.isRequired && !field.hasDefaultValue && field.type !== 'Boolean',
          nullable: !field.isRequired,
          maxLength: nativeLength,
          enumValues:
            override.choices ??
            (field.kind === 'enum' ? dmmfEnum(field.type)?.values.map((value) => value.name) : undefined),
          readonly:
            readonly.has(name) ||
            (field.hasDefaultValue && field.default !== undefined && isNowDefault(field)),
          secret: info.secretFields.has(name),
          relation: relation ? { name: relation.name, target: relation.type } : undefined,
          m2m: link,
        };
      });
    const editable = new Set(info.formFields.filter((field) => !field.readonly).map((field) => field.name));
    info.addable = model.fields.every(
      (field) =>
        field.kind !== 'scalar' ||
        !field.isRequired ||
        field.hasDefaultValue ||
        field.isUpdatedAt ||
        editable.has(field.name),
    );
  }

  /** Recognises an explicit many-to-many link table: a model keyed by exactly two foreign keys. */
  private linkTableOf(model: DmmfModel, listField: DmmfField): AdminField['m2m'] {
    const link = dmmfModel(listField.type);
    if (!link?.primaryKey || link.primaryKey.fields.length !== 2) return undefined;
    const relations = link.fields.filter((field) => field.kind === 'object' && !field.isList);
    const own = relations.find((field) => field.relationName === listField.relationName);
    const other = relations.find((field) => field !== own);
    if (!own?.relationFromFields?.[0] || !other?.relationFromFields?.[0]) return undefined;
    return {
      linkModel: link.name,
      ownKey: own.relationFromFields[0],
      otherKey: other.relationFromFields[0],
      target: other.type,
    };
  }

  private column(
    info: AdminModelInfo,
    key: string,
    fieldOf: (name: string) => DmmfField,
    computed: AdminColumn | undefined,
  ): ListColumn {
    if (computed) return { key, label: computed.label, render: computed.value, include: computed.include };
    const [head, tail] = key.split('.', 2);
    const field = fieldOf(head);
    const override = info.admin.fieldOverrides?.[head];
    if (field.kind === 'object') {
      const target = dmmfModel(field.type);
      if (!target || field.isList)
        throw new Error(`Admin ${info.name}: column "${key}" must be a to-one relation`);
      const targetInfo = this.byName(target.name);
      const select: Record<string, true> = targetInfo ? this.reprSelect(targetInfo) : { id: true };
      if (tail) {
        if (!target.fields.some((candidate) => candidate.name === tail)) {
          throw new Error(`Admin ${info.name}: no field "${tail}" on ${target.name}`);
        }
        select[tail] = true;
      }
      return {
        key,
        label: override?.label ?? humanize(tail ? `${head} ${tail}` : head),
        sortField: tail ? undefined : field.relationFromFields?.[0],
        include: { [head]: { select } },
        render: (row, language) => {
          const related = row[head] as Record<string, unknown> | null | undefined;
          if (!related) return '—';
          if (tail) return formatValue(related[tail], language);
          return targetInfo ? this.repr(targetInfo, related) : `#${String(related.id)}`;
        },
      };
    }
    if (info.secretFields.has(key))
      throw new Error(`Admin ${info.name}: secret field "${key}" cannot be a column`);
    return {
      key,
      label: override?.label ?? humanize(key),
      sortField: field.type === 'Json' || field.type === 'Bytes' ? undefined : key,
      // A choice reads as its label on the page; the CSV export (no language) keeps the value.
      render: (row, language) => {
        const value = row[key];
        return language && field.kind === 'enum' && typeof value === 'string'
          ? choiceLabel(info.name, key, value, language)
          : formatValue(value, language);
      },
      nowrap: ['DateTime', 'Boolean', 'Int', 'BigInt', 'Float', 'Decimal'].includes(field.type),
    };
  }

  private checkPath(info: AdminModelInfo, path: string, fieldOf: (name: string) => DmmfField): void {
    const [head, tail] = path.split('.', 2);
    const field = fieldOf(head);
    if (tail) {
      const target = dmmfModel(field.type);
      if (
        field.kind !== 'object' ||
        field.isList ||
        !target?.fields.some((candidate) => candidate.name === tail)
      ) {
        throw new Error(
          `Admin ${info.name}: search field "${path}" must be relation.field on a to-one relation`,
        );
      }
    } else if (field.type !== 'String') {
      throw new Error(`Admin ${info.name}: search field "${path}" must be text`);
    }
  }

  private filter(info: AdminModelInfo, field: DmmfField): AdminFilter {
    const label = info.admin.fieldOverrides?.[field.name]?.label ?? humanize(field.name);
    const nullable = !field.isRequired;
    if (field.kind === 'enum') {
      return {
        field: field.name,
        label,
        kind: 'enum',
        enumValues: dmmfEnum(field.type)?.values.map((v) => v.name),
        nullable,
      };
    }
    if (field.type === 'Boolean') return { field: field.name, label, kind: 'boolean', nullable };
    if (field.type === 'DateTime') return { field: field.name, label, kind: 'date', nullable };
    if (field.kind === 'object' && !field.isList && field.relationFromFields?.length === 1) {
      return {
        field: field.name,
        label,
        kind: 'relation',
        foreignKey: field.relationFromFields[0],
        target: field.type,
        nullable,
      };
    }
    throw new Error(`Admin ${info.name}: cannot filter on "${field.name}" (${field.type})`);
  }
}

function isNowDefault(field: DmmfField): boolean {
  const value = field.default as { name?: string } | undefined;
  return typeof value === 'object' && value !== null && value.name === 'now';
}

/** Every model name in the schema (for tests: which ones are registered). */
export const ALL_MODEL_NAMES = DATAMODEL.models.map((model) => model.name);
