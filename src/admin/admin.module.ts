import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AdminAccess } from './admin-access';
import { AdminLogService } from './admin-log.service';
import { AdminObjectsService } from './admin-objects.service';
import { AdminPresenter } from './admin-presenter';
import { AdminSite } from './admin-site';
import { AdminUsersController } from './admin-users.controller';
import { AdminController } from './admin.controller';
import { ChangeListService } from './change-list.service';

/**
 * The admin site at /admin, generated from the Prisma schema and the registrations in
 * src/admin/models/. Needs AccountsModule in the app (sessions, RequireStaff, permissions).
 */
@Module({
  // MfaService for the user admin's "Reset two-factor".
  imports: [AccountsModule],
  // The users controller first: its /admin/user/:id/password must win over /admin/:model/:id/…
  controllers: [AdminUsersController, AdminController],
  providers: [
    AdminSite,
    AdminAccess,
    AdminLogService,
    AdminObjectsService,
    AdminPresenter,
    ChangeListService,
  ],
  exports: [AdminSite, AdminLogService],
})
export class AdminModule {}
