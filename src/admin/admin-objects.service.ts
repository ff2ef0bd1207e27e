import {
  ConflictException,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { SessionUser } from '../accounts/session-user';
import { Prisma } from '../generated/prisma/client';
// Aliased: `message` names the admin log's message here.
import { DEFAULT_LANGUAGE, type Language } from '../i18n/languages';
import { message as catalogueMessage } from '../i18n/translator';
import { PrismaService } from '../prisma/prisma.service';
import type { FieldErrors } from '../web/forms';
import { delegateOf, type PrismaLike } from './admin-data';
import { fieldLabel, modelNames } from './admin-labels';
import type { AdminPermissions } from './admin-access';
import { AdminInlinesService, InlineRowError, rowErrors, type InlinePlan } from './admin-inlines';
import { AdminLogService, type AdminChanges, type AdminLogEntry } from './admin-log.service';
import { AdminSite, type AdminField, type AdminModelInfo } from './admin-site';
import { parseForm, parsePk, sameValue, type SubmittedForm } from './admin-values';
import { dmmfModel, type DmmfField } from './dmmf';
import type { AdminAction, AdminRow } from './model-admin';

/** Refused save: field errors for the form (rendered with a 400 or 409). */
export class AdminFormError extends Error {
  constructor(
    readonly errors: FieldErrors,
    readonly status = 400,
  ) {
    super('The form has errors');
  }
}

export interface RelatedGroup {
  label: string;
  count: number;
  /** True when the count hit its cap (shown as "N+"). */
  capped: boolean;
  sample: string[];
  depth: number;
}

export interface DeleteSummary {
  cascades: RelatedGroup[];
  setNull: RelatedGroup[];
  blockers: RelatedGroup[];
}

const RELATED_COUNT_CAP = 10_000;
const RELATED_DEPTH = 3;
/** Feature services take row locks and write e-mails inside these: as much room as their own. */
const FEATURE_TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/** Loading, saving and deleting objects, always with an admin-log entry in the same transaction. */
@Injectable()
export class AdminObjectsService {
  private readonly logger = new Logger(AdminObjectsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly site: AdminSite,
    private readonly log: AdminLogService,
    private readonly inlines: AdminInlinesService,
  ) {}

  /** The object or a 404 (also for ids that cannot be a key of this model). */
  async get(info: AdminModelInfo, rawId: string, client: PrismaLike = this.prisma): Promise<AdminRow> {
    const id = parsePk(info.pk, rawId);
    const row =
      id === undefined
        ? null
        : await delegateOf(client, info.name).findUnique({
            where: { [info.pk.name]: id },
            include: this.linkInclude(info),
          });
    if (!row) return this.notFound(info, rawId);
    return row;
  }

  /**
   * An object's admin-log entries (newest first) and its current name. A deleted object's history
   * stays readable, named as it was last logged; an id never seen is a 404.
   */
  async history(info: AdminModelInfo, rawId: string) {
    const pk = parsePk(info.pk, rawId);
    if (pk === undefined) return this.notFound(info, rawId);
    const entries = await this.log.history(info, String(pk));
    const row = await delegateOf(this.prisma, info.name).findUnique({
      where: { [info.pk.name]: pk },
      select: this.site.reprSelect(info),
    });
    if (!row && !entries.length) return this.notFound(info, rawId);
    return {
      id: String(pk),
      exists: row !== null,
      repr: row ? this.site.repr(info, row) : entries[0].objectRepr,
      entries,
    };
  }

  private notFound(info: AdminModelInfo, rawId: string): never {
    // Shown on the 404 page (or as JSON), translated there.
    throw new NotFoundException(
      catalogueMessage('adminLabels.errors.noObject', { name: info.label, id: rawId.slice(0, 100) }),
    );
  }

  /** Many-to-many fields included as the link rows (own key + other key). */
  private linkInclude(info: AdminModelInfo): Record<string, unknown> | undefined {
    const include: Record<string, unknown> = {};
    for (const field of info.formFields) {
      if (field.m2m) include[field.name] = { select: { [field.m2m.otherKey]: true } };
    }
    return Object.keys(include).length ? include : undefined;
  }

  /** The many-to-many values of a loaded object: relation → ids of the other side. */
  linkIds(info: AdminModelInfo, row: AdminRow): Record<string, (string | number)[]> {
    const result: Record<string, (string | number)[]> = {};
    for (const field of info.formFields) {
      if (!field.m2m) continue;
      const links = (row[field.name] as AdminRow[] | undefined) ?? [];
      result[field.name] = links.map((link) => link[field.m2m!.otherKey] as string | number).sort();
    }
    return result;
  }

  private pkOf = (target: string): DmmfField | undefined => {
    const registered = this.site.byName(target);
    if (registered) return registered.pk;
    return dmmfModel(target)?.fields.find((field) => field.isId);
  };

  /**
   * Validates and saves an add or change form, with its inlines' rows (given the permissions
   * they are checked against): the object, the rows and their log entries in one transaction,
   * nothing saved when any of them is invalid. Changes are refused (409) when the object was
   * changed since the form was loaded (`version` is its `updatedAt` then).
   */
  async save(
    info: AdminModelInfo,
    user: SessionUser,
    body: SubmittedForm,
    existingId?: string,
    permissions?: AdminPermissions,
  ): Promise<{ id: string | number; repr: string }> {
    const adding = existingId === undefined;
    const fields = this.site.formFieldsFor(info, user);
    const parsed = parseForm(fields, body, adding, this.pkOf);
    let data = parsed.data;
    if (info.admin.prepare) data = info.admin.prepare(data);
    const existing = adding ? null : await this.get(info, existingId);
    if (existing) keepSubSecondPrecision(fields, data, existing);
    // Errors name the model in the reader's language (the form is shown to them next).
    const names = modelNames(info, permissions?.language ?? DEFAULT_LANGUAGE);
    if (existing && !this.site.allowsObject(info, existing, user, 'change')) {
      throw new ForbiddenException(catalogueMessage('admin.errors.mayNotChange', { name: names.name }));
    }
    const errors: FieldErrors = { ...parsed.errors };
    await this.checkRelations(info, data, parsed.links, errors);
    await this.checkUnique(info, data, existing, errors, names.label);
    if (info.admin.validate && !Object.keys(errors).length) {
      Object.assign(errors, await info.admin.validate(existing ? { ...existing, ...data } : data, existing));
    }
    const inline =
      permissions && info.inlines.length
        ? await this.inlines.plan(
            info,
            body,
            permissions,
            existing ? (existing[info.pk.name] as string | number) : undefined,
          )
        : { plans: [], errors: {} };
    Object.assign(errors, inline.errors);
    if (Object.keys(errors).length) throw new AdminFormError(errors);
    const inlineWork = { plans: inline.plans, permissions };
    if (existing && info.admin.updateObject) {
      return this.updateThroughFeature(info, user, body, existing, data, parsed.links, inlineWork);
    }

    const afterCommit: Array<() => Promise<void>> = [];
    try {
      const saved = await this.prisma.$transaction(async (tx) => {
        const delegate = delegateOf(tx, info.name);
        let id: string | number;
        let before: AdminRow | null = null;
        if (adding) {
          const created = await delegate.create({ data });
          id = created[info.pk.name] as string | number;
        } else {
          before = existing!;
          id = before[info.pk.name] as string | number;
          const where: Record<string, unknown> = { [info.pk.name]: id };
          if (info.versionField) {
            const version = typeof body._version === 'string' ? new Date(body._version) : undefined;
            if (!version || Number.isNaN(version.getTime())) {
              throw new AdminFormError({
                _form: [catalogueMessage('admin.validation.missingVersion')],
              });
            }
            where[info.versionField] = version;
          }
          // A guarded write: nothing is written when someone saved a newer version meanwhile.
          const updated = await delegate.updateMany({ where, data });
          if (updated.count === 0) {
            throw new AdminFormError(
              {
                _form: [catalogueMessage('admin.validation.editConflict', { name: names.name })],
              },
              409,
            );
          }
        }
        for (const field of fields) {
          if (!field.m2m || !(field.name in parsed.links)) continue;
          await this.setLinks(tx, field, id, parsed.links[field.name]);
        }
        const applied = await this.applyInlines(tx, inlineWork, id, afterCommit);
        const after = await this.get(info, String(id), tx);
        const changed = [...Object.keys(data), ...Object.keys(parsed.links)];
        const changes = this.diff(info, before ?? {}, after, changed, adding);
        const repr = this.site.repr(info, after);
        if (adding || Object.keys(changes).length || applied.message) {
          await this.log.write(tx, [
            {
              userId: user.id,
              info,
              objectId: id,
              repr,
              action: adding ? 'add' : 'change',
              changes,
              message: applied.message,
            },
          ]);
        }
        await this.log.write(tx, applied.entries);
        return { id, repr };
      }, FEATURE_TX_OPTIONS);
      await this.runAfterCommit(info, afterCommit);
      await this.changed(info, [saved.id]);
      return saved;
    } catch (error) {
      throw this.translate(error);
    }
  }

  /**
   * The inlines' rows, written in the parent's transaction: their own log entries, and a message
   * for the parent's entry (Django's "Changed … for RSVP …").
   */
  private async applyInlines(
    tx: Prisma.TransactionClient,
    work: { plans: InlinePlan[]; permissions?: AdminPermissions },
    parentId: string | number,
    afterCommit: Array<() => Promise<void>>,
  ): Promise<{ entries: AdminLogEntry[]; message?: string }> {
    if (!work.permissions || !work.plans.some((plan) => plan.operations.length)) return { entries: [] };
    const { entries, summary } = await this.inlines.apply(tx, work.plans, {
      permissions: work.permissions,
      parentId,
      afterCommit: (step) => afterCommit.push(step),
    });
    const message = summary.length
      ? `${summary.join('; ')}.`.replace(/^./, (c) => c.toUpperCase())
      : undefined;
    return { entries, message };
  }

  /** The registration's onChange hook (e.g. cache invalidation), after the transaction committed. */
  async changed(info: AdminModelInfo, ids: (string | number)[]): Promise<void> {
    if (!info.admin.onChange || !ids.length) return;
    await info.admin
      .onChange({ ids })
      .catch((error: Error) => this.logger.warn(`onChange of ${info.name} failed: ${error.message}`));
  }

  /**
   * A change saved by the owning feature's service (its rules, locks and e-mails), its relation
   * changes and its log entry, in one transaction. The version is checked just before.
   */
  private async updateThroughFeature(
    info: AdminModelInfo,
    user: SessionUser,
    body: SubmittedForm,
    existing: AdminRow,
    data: AdminRow,
    links: Record<string, (string | number)[]>,
    inlineWork: { plans: InlinePlan[]; permissions?: AdminPermissions },
  ): Promise<{ id: string | number; repr: string }> {
    const id = existing[info.pk.name] as string | number;
    if (info.versionField) {
      const version = typeof body._version === 'string' ? new Date(body._version) : undefined;
      const current = existing[info.versionField] as Date | null;
      if (!version || Number.isNaN(version.getTime())) {
        throw new AdminFormError({
          _form: [catalogueMessage('admin.validation.missingVersion')],
        });
      }
      if (current && current.getTime() !== version.getTime()) {
        throw new AdminFormError(
          {
            _form: [
              catalogueMessage('admin.validation.editConflict', {
                name: modelNames(info, inlineWork.permissions?.language ?? DEFAULT_LANGUAGE).name,
              }),
            ],
          },
          409,
        );
      }
    }
    const afterCommit: Array<() => Promise<void>> = [];
    let after: AdminRow;
    try {
      after = await this.prisma.$transaction(async (tx) => {
        await info.admin.updateObject!({
          user,
          id,
          data,
          before: existing,
          tx,
          afterCommit: (work) => afterCommit.push(work),
        });
        for (const field of info.formFields) {
          if (field.m2m && field.name in links) await this.setLinks(tx, field, id, links[field.name]);
        }
        const applied = await this.applyInlines(tx, inlineWork, id, afterCommit);
        const row = await this.get(info, String(id), tx);
        const changes = this.diff(info, existing, row, [...Object.keys(data), ...Object.keys(links)]);
        if (Object.keys(changes).length || applied.message) {
          await this.log.write(tx, [
            {
              userId: user.id,
              info,
              objectId: id,
              repr: this.site.repr(info, row),
              action: 'change',
              changes,
              message: applied.message,
            },
          ]);
        }
        await this.log.write(tx, applied.entries);
        return row;
      }, FEATURE_TX_OPTIONS);
    } catch (error) {
      throw this.translate(error);
    }
    await this.runAfterCommit(info, afterCommit);
    await this.changed(info, [id]);
    return { id, repr: this.site.repr(info, after) };
  }

  /** Work a hook deferred until its transaction committed (best effort, like onChange). */
  private async runAfterCommit(info: AdminModelInfo, work: Array<() => Promise<void>>): Promise<void> {
    for (const step of work) {
      await step().catch((error: Error) =>
        this.logger.warn(`After-commit step of ${info.name} failed: ${error.message}`),
      );
    }
  }

  /** Field changes between two loaded rows (m2m fields compared as id sets). */
  diff(
    info: AdminModelInfo,
    before: AdminRow,
    after: AdminRow,
    fields: string[],
    adding = false,
  ): AdminChanges {
    const m2m = new Set(info.formFields.filter((field) => field.m2m).map((field) => field.name));
    const beforeLinks = adding ? {} : this.linkIds(info, before);
    const afterLinks = this.linkIds(info, after);
    const flat = (row: AdminRow, links: Record<string, unknown>) =>
      Object.fromEntries(fields.map((field) => [field, m2m.has(field) ? (links[field] ?? []) : row[field]]));
    const old = flat(before, beforeLinks);
    if (adding) for (const field of fields) old[field] = m2m.has(field) ? [] : null;
    return AdminLogService.changes(info, old, flat(after, afterLinks), [...new Set(fields)]);
  }

  private async setLinks(
    tx: Prisma.TransactionClient,
    field: AdminField,
    id: string | number,
    ids: (string | number)[],
  ): Promise<void> {
    const link = field.m2m!;
    const delegate = delegateOf(tx, link.linkModel);
    await delegate.deleteMany({ where: { [link.ownKey]: id, [link.otherKey]: { notIn: ids } } });
    if (ids.length) {
      await delegate.createMany({
        data: ids.map((other) => ({ [link.ownKey]: id, [link.otherKey]: other })),
        skipDuplicates: true,
      });
    }
  }

  /** A foreign key or many-to-many id that points nowhere is a field error, not a 500. */
  private async checkRelations(
    info: AdminModelInfo,
    data: AdminRow,
    links: Record<string, (string | number)[]>,
    errors: FieldErrors,
  ): Promise<void> {
    for (const field of info.formFields) {
      if (errors[field.name]) continue;
      const target = field.relation?.target ?? field.m2m?.target;
      const pk = target ? this.pkOf(target) : undefined;
      if (!target || !pk) continue;
      const ids = field.m2m
        ? (links[field.name] ?? [])
        : data[field.name] === null || data[field.name] === undefined
          ? []
          : [data[field.name] as string | number];
      if (!ids.length) continue;
      const found = await delegateOf(this.prisma, target).count({ where: { [pk.name]: { in: ids } } });
      if (found !== ids.length) {
        errors[field.name] = [
          ids.length === 1
            ? catalogueMessage('admin.validation.noSuchObject', { model: target, id: ids[0] })
            : catalogueMessage('admin.validation.someIdsMissing', { model: target }),
        ];
      }
    }
  }

  private async checkUnique(
    info: AdminModelInfo,
    data: AdminRow,
    existing: AdminRow | null,
    errors: FieldErrors,
    modelLabel: string,
  ): Promise<void> {
    for (const field of info.dmmf.fields) {
      if (
        !field.isUnique ||
        errors[field.name] ||
        data[field.name] === undefined ||
        data[field.name] === null
      )
        continue;
      if (existing && sameValue(existing[field.name], data[field.name])) continue;
      const clash = await delegateOf(this.prisma, info.name).findFirst({
        where: { [field.name]: data[field.name] },
        select: { [info.pk.name]: true },
      });
      if (clash)
        errors[field.name] = [
          catalogueMessage('admin.validation.unique', { model: modelLabel, field: field.name }),
        ];
    }
  }

  /** Database refusals (unique race, CHECK constraint) become form errors, never a 500. */
  private translate(error: unknown): unknown {
    if (error instanceof AdminFormError) return error;
    // A row of an inline refused by a feature rule: its message at that row, nothing saved.
    if (error instanceof InlineRowError) {
      const inner = this.translate(error.cause);
      if (inner instanceof AdminFormError) {
        return new AdminFormError(rowErrors(error.inline, error.index, inner.errors), inner.status);
      }
      if (
        inner instanceof HttpException &&
        inner.getStatus() < 500 &&
        !(inner instanceof ForbiddenException)
      ) {
        return new AdminFormError(rowErrors(error.inline, error.index, { _form: [inner.message] }));
      }
      return inner;
    }
    // A feature's validation error carrying field errors (e.g. EventValidationError).
    const fieldErrors = (error as { errors?: unknown } | null)?.errors;
    if (
      error instanceof Error &&
      fieldErrors &&
      typeof fieldErrors === 'object' &&
      !Array.isArray(fieldErrors)
    ) {
      return new AdminFormError(fieldErrors as FieldErrors);
    }
    if (error instanceof Prisma.PrismaClientKnownRequestError) {
      if (error.code === 'P2002')
        return new AdminFormError({ _form: [catalogueMessage('admin.validation.uniqueTogether')] });
      if (error.code === 'P2003')
        return new AdminFormError({
          _form: [catalogueMessage('admin.validation.relatedMissing')],
        });
      const detail = error.message.split('\n').filter(Boolean).pop() ?? '';
      if (
        /check constraint|violates/i.test(error.message) ||
        error.code === 'P2004' ||
        error.code === 'P2010'
      ) {
        return new AdminFormError({
          _form: [catalogueMessage('admin.validation.databaseRefused', { detail })],
        });
      }
    }
    return error;
  }

  /**
   * What deleting these objects also deletes (cascades), nulls, or what prevents it; the related
   * models and relations named in `language`.
   */
  async deleteSummary(
    info: AdminModelInfo,
    ids: (string | number)[],
    language: Language = DEFAULT_LANGUAGE,
  ): Promise<DeleteSummary> {
    const summary: DeleteSummary = { cascades: [], setNull: [], blockers: [] };
    await this.collect(info.name, { [info.pk.name]: { in: ids } }, 1, summary, language);
    return summary;
  }

  private async collect(
    modelName: string,
    where: Record<string, unknown>,
    depth: number,
    summary: DeleteSummary,
    language: Language,
  ): Promise<void> {
    const model = dmmfModel(modelName);
    if (!model || depth > RELATED_DEPTH) return;
    for (const listField of model.fields.filter((field) => field.kind === 'object' && field.isList)) {
      const child = dmmfModel(listField.type);
      const back = child?.fields.find(
        (field) =>
          field.kind === 'object' && field.relationName === listField.relationName && field !== listField,
      );
      if (!child || !back) continue;
      const childWhere = { [back.name]: { is: where } };
      const count = await delegateOf(this.prisma, child.name).count({
        where: childWhere,
        take: RELATED_COUNT_CAP + 1,
      });
      if (!count) continue;
      const childInfo = this.site.byName(child.name);
      const sample =
        childInfo && depth === 1
          ? (
              await delegateOf(this.prisma, child.name).findMany({
                where: childWhere,
                select: this.site.reprSelect(childInfo),
                take: 5,
              })
            ).map((row) => this.site.repr(childInfo, row))
          : [];
      const group: RelatedGroup = {
        // "API tokens (user)": the relation in lower case, inside the sentence.
        label: childInfo
          ? `${modelNames(childInfo, language).labelPlural} (${lowerFirst(
              fieldLabel(childInfo, back.name, humanizeRelation(back.name), language),
            )})`
          : `${child.name} (${humanizeRelation(back.name)})`,
        count: Math.min(count, RELATED_COUNT_CAP),
        capped: count > RELATED_COUNT_CAP,
        sample,
        depth,
      };
      const action = back.relationOnDelete ?? (back.isRequired ? 'Restrict' : 'SetNull');
      if (action === 'Cascade') {
        summary.cascades.push(group);
        await this.collect(child.name, childWhere, depth + 1, summary, language);
      } else if (action === 'SetNull' || action === 'SetDefault') summary.setNull.push(group);
      else summary.blockers.push(group);
    }
  }

  async delete(
    info: AdminModelInfo,
    user: SessionUser,
    ids: (string | number)[],
    message = '',
    language: Language = DEFAULT_LANGUAGE,
  ): Promise<number> {
    if (info.admin.deleteObject) return this.deleteThroughFeature(info, user, ids, message, language);
    try {
      // Thousands of rows, their log and cascades, maybe behind others' locks: as long as a
      // feature's delete may take.
      const deleted = await this.prisma.$transaction(async (tx) => {
        const delegate = delegateOf(tx, info.name);
        const rows = await delegate.findMany({ where: { [info.pk.name]: { in: ids } } });
        if (rows.some((row) => !this.site.allowsObject(info, row, user, 'delete'))) {
          throw new ForbiddenException(
            catalogueMessage('admin.errors.mayNotDeleteSome', { name: modelNames(info, language).names }),
          );
        }
        await delegate.deleteMany({
          where: { [info.pk.name]: { in: rows.map((row) => row[info.pk.name]) } },
        });
        await this.log.write(
          tx,
          rows.map((row) => ({
            userId: user.id,
            info,
            objectId: row[info.pk.name] as string | number,
            repr: this.site.repr(info, row),
            action: 'delete' as const,
            message,
          })),
        );
        return rows.map((row) => row[info.pk.name] as string | number);
      }, FEATURE_TX_OPTIONS);
      await this.changed(info, deleted);
      return deleted.length;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') {
        throw new ConflictException(catalogueMessage('admin.errors.notDeletedReferenced'));
      }
      throw error;
    }
  }

  /**
   * Deletion through the owning feature's service (e-mails, caches, locks): the whole selection and
   * its log entries in one transaction, so a failure anywhere deletes nothing.
   */
  private async deleteThroughFeature(
    info: AdminModelInfo,
    user: SessionUser,
    ids: (string | number)[],
    message: string,
    language: Language,
  ): Promise<number> {
    const afterCommit: Array<() => Promise<void>> = [];
    const deleted = await this.prisma.$transaction(async (tx) => {
      const rows = await delegateOf(tx, info.name).findMany({ where: { [info.pk.name]: { in: ids } } });
      if (rows.some((row) => !this.site.allowsObject(info, row, user, 'delete'))) {
        throw new ForbiddenException(
          catalogueMessage('admin.errors.mayNotDeleteSome', { name: modelNames(info, language).names }),
        );
      }
      for (const row of rows) {
        const id = row[info.pk.name] as string | number;
        await info.admin.deleteObject!({
          user,
          id,
          tx,
          afterCommit: (work) => afterCommit.push(work),
        });
      }
      await this.log.write(
        tx,
        rows.map((row) => ({
          userId: user.id,
          info,
          objectId: row[info.pk.name] as string | number,
          repr: this.site.repr(info, row),
          action: 'delete' as const,
          message,
        })),
      );
      return rows.map((row) => row[info.pk.name] as string | number);
    }, FEATURE_TX_OPTIONS);
    await this.runAfterCommit(info, afterCommit);
    await this.changed(info, deleted);
    return deleted.length;
  }

  /**
   * Runs a bulk action and logs, per object, the fields it changed (re-reading the objects before
   * and after, so hand-written `run` actions are logged as precisely as declarative ones).
   */
  async runAction(
    info: AdminModelInfo,
    action: AdminAction,
    user: SessionUser,
    ids: (string | number)[],
    language: Language = DEFAULT_LANGUAGE,
  ): Promise<{ changed: number; message?: string }> {
    const delegate = delegateOf(this.prisma, info.name);
    const where = { [info.pk.name]: { in: ids } };
    const before = await delegate.findMany({ where, include: this.linkInclude(info) });
    if (before.some((row) => !this.site.allowsObject(info, row, user, 'change'))) {
      throw new ForbiddenException(
        catalogueMessage('admin.errors.mayNotChangeSome', { name: modelNames(info, language).names }),
      );
    }
    let message: string | undefined;
    const entries: AdminLogEntry[] = [];
    const fields = info.dmmf.fields
      .filter((field) => field.kind !== 'object' && !field.isUpdatedAt)
      .map((field) => field.name);
    const collectLog = async (client: PrismaLike) => {
      const after = await delegateOf(client, info.name).findMany({ where, include: this.linkInclude(info) });
      const byId = new Map(before.map((row) => [String(row[info.pk.name]), row]));
      for (const row of after) {
        const old = byId.get(String(row[info.pk.name]));
        if (!old) continue;
        const changes = this.diff(info, old, row, fields);
        if (Object.keys(changes).length) {
          entries.push({
            userId: user.id,
            info,
            objectId: row[info.pk.name] as string | number,
            repr: this.site.repr(info, row),
            action: 'change',
            changes,
            message: action.label,
          });
        }
      }
    };
    if (action.data) {
      const data = Object.fromEntries(
        Object.entries(action.data).map(([key, value]) => [
          key,
          typeof value === 'function' ? (value as () => unknown)() : value,
        ]),
      );
      // As long as a feature action may take: thousands of rows and their log, maybe behind others'
      // locks.
      await this.prisma.$transaction(async (tx) => {
        await delegateOf(tx, info.name).updateMany({
          where: action.where ? { AND: [where, action.where] } : where,
          data,
        });
        await collectLog(tx);
        await this.log.write(tx, entries);
      }, FEATURE_TX_OPTIONS);
    } else if (action.run) {
      // The action's writes (through feature services, given `tx`) and their log: one transaction.
      const afterCommit: Array<() => Promise<void>> = [];
      await this.prisma.$transaction(async (tx) => {
        message =
          (await action.run!({ tx, afterCommit: (work) => afterCommit.push(work), user, ids, language })) ??
          undefined;
        await collectLog(tx);
        await this.log.write(tx, entries);
      }, FEATURE_TX_OPTIONS);
      await this.runAfterCommit(info, afterCommit);
    }
    await this.changed(info, ids);
    return { changed: entries.length, message };
  }
}

/**
 * Forms show date-times to the second: an unchanged field comes back without the stored
 * milliseconds, which must not count as a change (nor, for events, e-mail everyone about it).
 */
function keepSubSecondPrecision(fields: AdminField[], data: AdminRow, existing: AdminRow): void {
  for (const field of fields) {
    const submitted = data[field.name];
    const stored = existing[field.name];
    if (field.widget !== 'datetime' || !(submitted instanceof Date) || !(stored instanceof Date)) continue;
    if (submitted.getTime() === Math.floor(stored.getTime() / 1000) * 1000) data[field.name] = stored;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function humanizeRelation(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
