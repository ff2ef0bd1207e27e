import type { ModuleRef } from '@nestjs/core';
import type { SessionUser } from '../accounts/session-user';
import type { Prisma } from '../generated/prisma/client';
import type { PrismaService } from '../prisma/prisma.service';
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

export interface AdminActionContext extends AdminWriteContext {
  /** For reads outside the action's transaction; write through `tx`. */
  prisma: PrismaService;
  /** For actions that use another feature's service (e.g. MailService). */
  moduleRef: ModuleRef;
  user: SessionUser;
  /** Primary keys of the selected objects. */
  ids: (string | number)[];
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
  data?: Record<string, unknown | (() => unknown)>;
  /** Restricts `data` to the objects it applies to (a Prisma `where`, ANDed with the selection). */
  where?: Record<string, unknown>;
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

/**
 * Declares how one Prisma model appears in the admin, like Django's ModelAdmin. Everything is
 * optional beyond `model` and `module`; defaults come from the Prisma schema. One file per model
 * under src/admin/models/, listed in src/admin/models/index.ts.
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
  listDisplay?: string[];
  columns?: Record<string, AdminColumn>;
  /** Case-insensitive "contains" search over these fields; `relation.field` allowed. */
  searchFields?: string[];
  /**
   * Columns the list may be sorted by (default: every field column). On tables of millions, list
   * only indexed ones: sorting by an unindexed column sorts the whole table on every page view.
   */
  sortable?: string[];
  /** Boolean, enum, date-time and to-one relation fields. */
  listFilter?: string[];
  /** Default ordering: `field` or `-field`; the primary key is always appended as a tie-breaker. */
  ordering?: string[];
  listPerPage?: number;
  /** Form fields in order (defaults to every editable field of the model). */
  fields?: string[];
  readonlyFields?: string[];
  /** Read-only unless the signed-in user is a superuser (e.g. what grants permissions). */
  superuserOnlyFields?: string[];
  /**
   * Per-object check after the model permission, for change and delete (forms, set-password style
   * links and bulk actions): false answers 403 and shows the object read-only.
   */
  objectPermission?: (row: AdminRow, user: SessionUser, action: 'change' | 'delete') => boolean;
  exclude?: string[];
  /** Never shown, and recorded in the admin log as "changed" without values. */
  secretFields?: string[];
  fieldOverrides?: Record<string, FieldOverride>;
  actions?: AdminAction[];
  /** Operations nobody may do here, superusers included (e.g. the admin log is never edited). */
  disallow?: ('add' | 'change' | 'delete')[];
  /** Extra validation after type checks; return field errors (key `_form` for the whole form). */
  validate?: (data: AdminRow, existing: AdminRow | null) => FieldErrors | Promise<FieldErrors>;
  /** Adjusts parsed values before they are saved (e.g. lower-casing an e-mail address). */
  prepare?: (data: AdminRow) => AdminRow;
  /**
   * Called after objects were added, changed (forms and actions) or deleted here, for side effects
   * the owning feature needs, such as invalidating its cache. Failures are logged, not shown.
   */
  onChange?: (context: { moduleRef: ModuleRef; ids: (string | number)[] }) => Promise<void>;
  /**
   * Saves a change through the owning feature's service instead of a plain UPDATE (its locks,
   * rules and e-mails), in the transaction of its admin-log entry (`tx`); `data` holds the
   * validated changed-form values. Throw an error with a field-errors `errors` property to show
   * messages at the fields.
   */
  updateObject?: (
    context: AdminWriteContext & {
      moduleRef: ModuleRef;
      user: SessionUser;
      id: string | number;
      data: AdminRow;
      before: AdminRow;
    },
  ) => Promise<void>;
  /**
   * Deletes one object through the owning feature's service instead of a plain DELETE (e.g. to
   * e-mail attendees), in the transaction of its admin-log entry (`tx`); the engine still checks
   * permissions, confirms and logs.
   */
  deleteObject?: (
    context: AdminWriteContext & { moduleRef: ModuleRef; user: SessionUser; id: string | number },
  ) => Promise<void>;
  /** Links shown on the change page (e.g. "Set password"), given the object's admin URL. */
  objectLinks?: (
    row: AdminRow,
    url: string,
  ) => { label: string; href: string; permission: AdminPermissionAction }[];
}
