import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchemaState } from '../database/schema-state';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { SessionUser } from './session-user';

export const MODEL_ACTIONS = ['view', 'add', 'change', 'delete'] as const;

// Pure link tables: managed through their owners (user ↔ group ↔ permission), like Django's
// automatic many-to-many tables, which get no permissions of their own.
const MODELS_WITHOUT_PERMISSIONS = new Set<string>(['UserGroup', 'UserPermission', 'GroupPermission']);

/** Permissions that belong to no model. Add a line here to create one at the next boot. */
export const CUSTOM_PERMISSIONS: Record<string, string> = {
  'queues.view': 'Can view and manage the queue dashboard',
};

/**
 * Django-style permissions: `<model>.<action>` codenames (model name lower-cased, e.g.
 * `outgoingemail.change`), granted to users directly or through groups. Superusers have them all;
 * inactive users none.
 */
@Injectable()
export class PermissionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PermissionsService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly schema: SchemaState,
  ) {}

  async hasPermission(user: SessionUser | undefined | null, codename: string): Promise<boolean> {
    if (!user?.isActive) return false;
    if (user.isSuperuser) return true;
    const rows = await this.prisma.$queryRaw<{ found: boolean }[]>`
      SELECT EXISTS (
        SELECT 1 FROM auth_permissions p
        WHERE p.codename = ${codename} AND (
          EXISTS (SELECT 1 FROM auth_user_permissions up WHERE up.permission_id = p.id AND up.user_id = ${user.id})
          OR EXISTS (
            SELECT 1 FROM auth_group_permissions gp
            JOIN auth_user_groups ug ON ug.group_id = gp.group_id
            WHERE gp.permission_id = p.id AND ug.user_id = ${user.id}
          )
        )
      ) AS found`;
    return rows[0]?.found === true;
  }

  /** Every codename the user has (for showing or hiding UI); superusers get all that exist. */
  async permissionsOf(user: SessionUser | undefined | null): Promise<Set<string>> {
    if (!user?.isActive) return new Set();
    if (user.isSuperuser) {
      const all = await this.prisma.permission.findMany({ select: { codename: true } });
      return new Set(all.map((permission) => permission.codename));
    }
    const rows = await this.prisma.permission.findMany({
      where: {
        OR: [
          { users: { some: { userId: user.id } } },
          { groups: { some: { group: { users: { some: { userId: user.id } } } } } },
        ],
      },
      select: { codename: true },
    });
    return new Set(rows.map((permission) => permission.codename));
  }

  /** The codenames every model and custom permission should have. */
  expectedPermissions(): { codename: string; name: string }[] {
    const result: { codename: string; name: string }[] = [];
    for (const model of Object.values(Prisma.ModelName) as string[]) {
      if (MODELS_WITHOUT_PERMISSIONS.has(model)) continue;
      const label = model.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
      for (const action of MODEL_ACTIONS) {
        result.push({ codename: `${model.toLowerCase()}.${action}`, name: `Can ${action} ${label}` });
      }
    }
    for (const [codename, name] of Object.entries(CUSTOM_PERMISSIONS)) result.push({ codename, name });
    return result;
  }

  /**
   * Creates the permissions of models added since the last boot (idempotent and safe when several
   * replicas start at once: ON CONFLICT DO NOTHING). Returns how many were created.
   */
  async syncPermissions(): Promise<number> {
    const created = await this.prisma.permission.createMany({
      data: this.expectedPermissions(),
      skipDuplicates: true,
    });
    return created.count;
  }

  onApplicationBootstrap(): void {
    // Never blocks or fails the boot: with the database down, the next boot catches up. Waits for
    // the deploy's migrations (a new model's table may not exist yet).
    void this.schema
      .whenCurrent()
      .then(() => this.syncPermissions())
      .then(
        (count) => count && this.logger.log(`Created ${count} permission(s) for new models`),
        (error: Error) => this.logger.warn(`Permission sync skipped: ${error.message}`),
      );
  }
}
