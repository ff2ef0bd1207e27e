import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { SessionUser } from '../accounts/session-user';
import type { Prisma } from '../generated/prisma/client';
import type { Language } from '../i18n/languages';
import type { FieldErrors } from '../web/forms';

/** A row as Prisma returns it, seen generically. */
export type AdminRow = Record<string, unknown>;

/** The admin's four Django permissions, checked as `<model slug>.<action>`. */
export type AdminPermissionAction = 'view' | 'add' | 'change' | 'delete';

/**
 * What the admin hands a hook that writes through a feature service: the transaction its admin-log
 * entry is written in (pass it on as `{ tx }`: the change and its log commit together or not at
 * all), and `afterCommit` for what must wait for the commit (invalidating a cache).
 */
export interface AdminWriteContext {
  tx: Prisma.TransactionClient;
  afterCommit: (work: () => Promise<void>) => void;
}

/** What `updateObject` gets: the validated changed-form values and the object before them. */
export interface AdminUpdateContext extends AdminWriteContext {
  user: SessionUser;
  id: string | number;
  data: AdminRow;
  before: AdminRow;
}

export interface AdminDeleteContext extends AdminWriteContext {
  user: SessionUser;
  id: string | number;
}

export interface AdminActionContext extends AdminWriteContext {
  user: SessionUser;
  /** Primary keys of the selected objects. */
  ids: (string | number)[];
  /** The language of the person acting, for text put into the result (the flash is translated). */
  language: Language;
}

/**
 * A bulk action on the change list. The engine shows a confirmation page, runs it, then re-reads
 * the objects and writes one admin-log entry per object whose fields changed (so `run` need not
 * log). Give `data` for a plain update, or `run` for anything else.
 */
export interface AdminAction {
  name: string;
  label: string;
  /** Needed in addition to `view`. */
  permission: AdminPermissionAction;
  /** Fields to set on each selected object (values may be functions evaluated at run time). */
  data?: Readonly<Record<string, unknown | (() => unknown)>>;
  /** Restricts `data` to the objects it applies to (a Prisma `where`, ANDed with the selection). */
  where?: Readonly<Record<string, unknown>>;
  /**
   * Returns the result shown as a flash: a message descriptor (`message(key, params)`, shown in
   * the reader's language) or plain text.
   */
  run?: (context: AdminActionContext) => Promise<string | void>;
  /** Shown on the confirmation page. */
  description?: string;
}

export type AdminWidget =
  'text' | 'textarea' | 'number' | 'checkbox' | 'datetime' | 'select' | 'json' | 'fk' | 'm2m';

export interface FieldOverride {
  label?: string;
  help?: string;
  widget?: AdminWidget;
  /** The allowed values of a text field, like Django's `choices`: a select, checked on save. */
  choices?: readonly string[];
}

/** A computed column on the change list (not sortable). */
export interface AdminColumn {
  label: string;
  value: (row: AdminRow) => string;
  /** Extra Prisma `include` the column needs. */
  include?: Record<string, unknown>;
}

/** What an inline's write hooks get: the parent object and the transaction of the parent's save. */
export interface InlineWriteContext extends AdminWriteContext {
  user: SessionUser;
  /** The parent object's key (already created when the parent is being added). */
  parentId: string | number;
}

export interface InlineCreateContext extends InlineWriteContext {
  /** The validated values of the row, the foreign key to the parent set. */
  data: AdminRow;
}

export interface InlineUpdateContext extends InlineWriteContext {
  id: string | number;
  /** The validated values that changed. */
  data: AdminRow;
  before: AdminRow;
}

export interface InlineDeleteContext extends InlineWriteContext {
  id: string | number;
  before: AdminRow;
}

/**
 * Related objects edited on the parent's change page, like Django's TabularInline: one table row
 * per object whose `fk` points at the parent, and `extra` empty rows to add more. The inline model
 * must be registered too (its fields, labels and repr come from its registration). Each row needs
 * the inline model's own permission (add, change or delete), checked on the server; the rows are
 * validated with the parent's form and saved with it in one transaction, or not at all.
 *
 * A registration that keeps the inline model read-only in its own forms (`disallow`, because a
 * feature service owns its rules) can still offer the inline when it saves through that service:
 * give `createObject`, `updateObject` and `deleteObject`.
 */
export interface InlineAdmin {
  model: string;
  /** The inline model's foreign key to the parent (e.g. `eventId`). */
  fk: string;
  /** Columns of the table, in order (the inline model's fields; not the foreign key). */
  fields: readonly string[];
  /** Shown but never edited (e.g. when the RSVP was made). */
  readonlyFields?: readonly string[];
  /** Editable on new rows only (e.g. who an RSVP is for). */
  createOnlyFields?: readonly string[];
  /** Empty rows offered for adding (default 1). */
  extra?: number;
  /** A "Delete" box per row (default true). */
  canDelete?: boolean;
  /** Rows shown at most, in `ordering` (default 50); the rest are listed in the model's change list. */
  maxShown?: number;
  ordering?: readonly string[];
  label?: string;
  /** Extra checks of one row after type checks (`existing` null for a new row). */
  validate?: (
    data: AdminRow,
    existing: AdminRow | null,
    parentId: string | number | undefined,
  ) => FieldErrors | Promise<FieldErrors>;
  /**
   * Writes through the owning feature's service, in the parent's transaction (`tx`). Throw an
   * error with a field-errors `errors` property to show messages at the row's fields.
   */
  /** Returns the new object's key. */
  createObject?: (context: InlineCreateContext) => Promise<string | number>;
  updateObject?: (context: InlineUpdateContext) => Promise<void>;
  deleteObject?: (context: InlineDeleteContext) => Promise<void>;
}

/**
 * Declares how one Prisma model appears in the admin, like Django's ModelAdmin. Everything is
 * optional beyond `model` and `module`; defaults come from the Prisma schema. A registration is a
 * class next to its feature (`src/events/event.admin.ts`), marked @RegisterAdmin() and listed in
 * the providers of the feature's web module: hooks and actions use the services it injects.
 */
export interface ModelAdmin {
  /** The Prisma model name, e.g. `Event`. */
  model: string;
  /** Index heading this model is grouped under (e.g. `Accounts`). */
  module: string;
  label?: string;
  labelPlural?: string;
  /** The field naming an object (e.g. `email`): titles, relation columns and the relation picker. */
  reprField?: string;
  /** Change-list columns: field names, relation names (shown by the related object's repr), `relation.field`, or `columns` keys. */
  listDisplay?: readonly string[];
  columns?: Readonly<Record<string, AdminColumn>>;
  /** Case-insensitive "contains" search over these fields; `relation.field` allowed. */
  searchFields?: readonly string[];
  /**
   * Columns the list may be sorted by (default: every field column). On tables of millions, list
   * only indexed ones: sorting by an unindexed column sorts the whole table on every page view.
   */
  sortable?: readonly string[];
  /** Boolean, enum, date-time and to-one relation fields. */
  listFilter?: readonly string[];
  /** Default ordering: `field` or `-field`; the primary key is always appended as a tie-breaker. */
  ordering?: readonly string[];
  listPerPage?: number;
  /** Form fields in order (defaults to every editable field of the model). */
  fields?: readonly string[];
  readonlyFields?: readonly string[];
  /** Read-only unless the signed-in user is a superuser (e.g. what grants permissions). */
  superuserOnlyFields?: readonly string[];
  /**
   * Per-object check after the model permission, for change and delete (forms, set-password style
   * links and bulk actions): false answers 403 and shows the object read-only.
   */
  objectPermission?: (row: AdminRow, user: SessionUser, action: 'change' | 'delete') => boolean;
  exclude?: readonly string[];
  /** Never shown, and recorded in the admin log as "changed" without values. */
  secretFields?: readonly string[];
  fieldOverrides?: Readonly<Record<string, FieldOverride>>;
  actions?: readonly AdminAction[];
  /** Operations nobody may do here, superusers included (e.g. the admin log is never edited). */
  disallow?: readonly ('add' | 'change' | 'delete')[];
  /** Extra validation after type checks; return field errors (key `_form` for the whole form). */
  validate?: (data: AdminRow, existing: AdminRow | null) => FieldErrors | Promise<FieldErrors>;
  /** Adjusts parsed values before they are saved (e.g. lower-casing an e-mail address). */
  prepare?: (data: AdminRow) => AdminRow;
  /**
   * Called after objects were added, changed (forms and actions) or deleted here, for side effects
   * the owning feature needs, such as invalidating its cache. Failures are logged, not shown.
   */
  onChange?: (context: { ids: readonly (string | number)[] }) => Promise<void>;
  /**
   * Saves a change through the owning feature's service instead of a plain UPDATE (its locks,
   * rules and e-mails), in the transaction of its admin-log entry (`tx`); `data` holds the
   * validated changed-form values. Throw an error with a field-errors `errors` property to show
   * messages at the fields.
   */
  updateObject?: (context: AdminUpdateContext) => Promise<void>;
  /**
   * Deletes one object through the owning feature's service instead of a plain DELETE (e.g. to
   * e-mail attendees), in the transaction of its admin-log entry (`tx`); the engine still checks
   * permissions, confirms and logs.
   */
  deleteObject?: (context: AdminDeleteContext) => Promise<void>;
  /** Related objects edited on the change page, as tables (Django's TabularInline). */
  inlines?: readonly InlineAdmin[];
  /**
   * Links shown on the change page (e.g. "Set password"), given the object's admin URL. `label` is
   * a catalogue key (shown in the reader's language) or plain text.
   */
  objectLinks?: (
    row: AdminRow,
    url: string,
  ) => { label: string; href: string; permission: AdminPermissionAction }[];
}

const discoverable = DiscoveryService.createDecorator();

/**
 * Marks a class as a model's admin registration (Django's `@admin.register`): the admin finds
 * every provider so marked at boot. Provide it in the feature's web module, whose services it
 * injects; Nest then checks those dependencies at boot like any other provider's.
 *
 *     @RegisterAdmin()
 *     export class EventAdmin implements ModelAdmin {
 *       readonly model = 'Event';
 *       constructor(private readonly events: EventsService) {}
 *     }
 */
export const RegisterAdmin = (): ClassDecorator => applyDecorators(Injectable(), discoverable());
RegisterAdmin.KEY = discoverable.KEY;
