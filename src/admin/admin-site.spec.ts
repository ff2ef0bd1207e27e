import { Injectable, Module, type Type } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { AdminSite } from './admin-site';
import { RegisterAdmin, type AdminDeleteContext, type ModelAdmin } from './model-admin';

/** Stands in for a feature's service that a registration's hook uses. */
@Injectable()
class GroupArchive {
  readonly deleted: (string | number)[] = [];
}

@RegisterAdmin()
class GroupAdmin implements ModelAdmin {
  readonly model = 'Group';
  readonly module = 'Accounts';
  readonly reprField = 'name';
  constructor(private readonly archive: GroupArchive) {}

  async deleteObject({ id }: AdminDeleteContext): Promise<void> {
    this.archive.deleted.push(id);
  }
}

@RegisterAdmin()
class PermissionAdmin implements ModelAdmin {
  readonly model = 'Permission';
  readonly module = 'Accounts';
}

@RegisterAdmin()
class SecondGroupAdmin implements ModelAdmin {
  readonly model = 'Group';
  readonly module = 'Other';
}

@RegisterAdmin()
class MistypedAdmin implements ModelAdmin {
  readonly model = 'Permission';
  readonly module = 'Accounts';
  readonly listDisplay = ['codenme'];
}

/** An admin site and one "feature" module providing `registrations` (and, if given, GroupArchive). */
async function boot(registrations: Type[], featureProviders: Type[] = [GroupArchive]) {
  @Module({ providers: [...featureProviders, ...registrations] })
  class FeatureModule {}
  @Module({ imports: [DiscoveryModule, FeatureModule], providers: [AdminSite] })
  class SiteModule {}
  const app = await NestFactory.createApplicationContext(SiteModule, { logger: false, abortOnError: false });
  await app.init();
  return app;
}

describe('admin registrations found at boot', () => {
  it('finds every @RegisterAdmin() provider of any module, hooks using what it injects', async () => {
    const app = await boot([GroupAdmin, PermissionAdmin]);
    try {
      const site = app.get(AdminSite);
      expect(site.all().map((info) => info.slug)).toEqual(['group', 'permission']);
      const group = site.get('group');
      expect(group.admin).toBe(app.get(GroupAdmin));
      await group.admin.deleteObject!({ id: 7 } as AdminDeleteContext);
      expect(app.get(GroupArchive).deleted).toEqual([7]);
    } finally {
      await app.close();
    }
  });

  it('fails the boot when a registration’s dependency is not provided (Nest checks it, not the first hook call)', async () => {
    await expect(boot([GroupAdmin], [])).rejects.toThrow(/can't resolve dependencies of the GroupAdmin/);
  });

  it('fails the boot on a model registered twice, or a field the schema does not have', async () => {
    await expect(boot([GroupAdmin, SecondGroupAdmin])).rejects.toThrow('Group is registered twice');
    await expect(boot([MistypedAdmin])).rejects.toThrow('no field "codenme"');
  });
});
