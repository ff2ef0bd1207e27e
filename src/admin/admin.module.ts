import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccountsModule } from '../accounts/accounts.module';
import { AdminAccess } from './admin-access';
import { AdminDashboardService } from './admin-dashboard.service';
import { AdminInlinesService } from './admin-inlines';
import { AdminLogAdmin } from './admin-log.admin';
import { AdminLogService } from './admin-log.service';
import { AdminObjectsService } from './admin-objects.service';
import { AdminPresenter } from './admin-presenter';
import { AdminSite } from './admin-site';
import { AdminUsersController } from './admin-users.controller';
import { AdminController } from './admin.controller';
import { ChangeListService } from './change-list.service';

/**
 * The admin site at /admin, generated from the Prisma schema and the registrations: every
 * provider marked @RegisterAdmin() (see model-admin.ts), each in its own feature's module.
 */
@Module({
  imports: [DiscoveryModule, AccountsModule],
  // The users controller first: its /admin/user/:id/password must win over /admin/:model/:id/…
  controllers: [AdminUsersController, AdminController],
  providers: [
    AdminSite,
    AdminAccess,
    AdminLogService,
    AdminDashboardService,
    AdminInlinesService,
    AdminObjectsService,
    AdminPresenter,
    ChangeListService,
    AdminLogAdmin,
  ],
  exports: [AdminSite, AdminLogService],
})
export class AdminModule {}
