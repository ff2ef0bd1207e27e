import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { PermissionsService } from '../accounts/permissions.service';
import type { SessionUser } from '../accounts/session-user';
import { DEFAULT_LANGUAGE, type Language } from '../i18n/languages';
import { message } from '../i18n/translator';
import { modelNames } from './admin-labels';
import type { AdminModelInfo } from './admin-site';
import type { AdminPermissionAction } from './model-admin';

const NO_PERMISSION: Record<AdminPermissionAction, string> = {
  view: 'admin.errors.noPermissionView',
  add: 'admin.errors.noPermissionAdd',
  change: 'admin.errors.noPermissionChange',
  delete: 'admin.errors.noPermissionDelete',
};

/** What the signed-in staff member may do, per model; computed once per request. */
export class AdminPermissions {
  constructor(
    readonly user: SessionUser,
    private readonly codenames: Set<string>,
    /** The reader's language, for the models named in refusals and form errors. */
    readonly language: Language = DEFAULT_LANGUAGE,
  ) {}

  can(info: AdminModelInfo, action: AdminPermissionAction): boolean {
    if (action !== 'view' && info.admin.disallow?.includes(action)) return false;
    if (action === 'add' && !info.addable) return false;
    return this.granted(info, action);
  }

  /**
   * The model permission itself, ignoring the registration's `disallow` (which concerns the
   * generic forms): custom bulk actions such as "retry failed e-mails" need `change` on a model
   * whose objects are otherwise read-only here.
   */
  granted(info: AdminModelInfo, action: AdminPermissionAction): boolean {
    if (!this.user.isActive || !this.user.isStaff) return false;
    if (this.user.isSuperuser) return true;
    const has = (name: AdminPermissionAction) => this.codenames.has(`${info.slug}.${name}`);
    // As in Django: the change permission implies viewing.
    return action === 'view' ? has('view') || has('change') : has(action);
  }

  /** Any permission on the model: the model appears on the index. */
  any(info: AdminModelInfo): boolean {
    return (['view', 'add', 'change', 'delete'] as const).some((action) => this.can(info, action));
  }

  hasCodename(codename: string): boolean {
    return this.user.isSuperuser || this.codenames.has(codename);
  }

  /** Throws 403 (nothing has been read or written yet when handlers call this first). */
  require(info: AdminModelInfo, action: AdminPermissionAction, custom = false): void {
    if (!(custom ? this.granted(info, action) : this.can(info, action))) {
      throw new ForbiddenException(
        message(NO_PERMISSION[action], { name: modelNames(info, this.language).names }),
      );
    }
  }

  /** For templates: `perms.add` etc. */
  flags(info: AdminModelInfo): Record<AdminPermissionAction, boolean> {
    return {
      view: this.can(info, 'view'),
      add: this.can(info, 'add'),
      change: this.can(info, 'change'),
      delete: this.can(info, 'delete'),
    };
  }
}

const CACHE = Symbol('adminPermissions');

/** Resolves AdminPermissions through the accounts' PermissionsService. */
@Injectable()
export class AdminAccess {
  constructor(private readonly permissions: PermissionsService) {}

  async of(req: Request): Promise<AdminPermissions> {
    const cached = (req as Request & { [CACHE]?: AdminPermissions })[CACHE];
    if (cached) return cached;
    const user = req.user;
    // RequireStaff() has already refused anonymous and non-staff users; inactive ones too.
    if (!user?.isStaff || !user.isActive) throw new ForbiddenException(message('admin.errors.staffOnly'));
    const codenames = user.isSuperuser ? new Set<string>() : await this.permissions.permissionsOf(user);
    const permissions = new AdminPermissions(user, codenames, req.language);
    (req as Request & { [CACHE]?: AdminPermissions })[CACHE] = permissions;
    return permissions;
  }
}
