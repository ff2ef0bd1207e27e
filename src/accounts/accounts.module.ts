import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DatabaseModule } from '../database/database.module';
import { EventsCoreModule } from '../events/events-core.module';
import { MailModule } from '../mail/mail.module';
import { AccessGuard } from './access.guard';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { ApiTokenAdmin } from './api-token.admin';
import { ApiTokensService } from './api-tokens.service';
import { CsrfGuard } from './csrf.guard';
import { CsrfService } from './csrf.service';
import { GroupAdmin } from './group.admin';
import { LocalStrategy } from './local.strategy';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './passwords';
import { PermissionAdmin } from './permission.admin';
import { PermissionsService } from './permissions.service';
import { ProfileController } from './profile.controller';
import { SessionSerializer } from './session.serializer';
import { UserAdmin } from './user.admin';

/**
 * Accounts for the web process: pages under /accounts, sessions (configured by
 * configureSessions in web-session.ts), the global CSRF guard, and the services other features
 * use (PermissionsService, ApiTokensService; guards through the decorators in auth.decorators.ts),
 * and the admin's registrations of users, groups, permissions and API tokens.
 */
@Module({
  // EventsCoreModule: deleting a user in the admin cancels their places and events (UserAdmin).
  imports: [PassportModule.register({ session: true }), MailModule, EventsCoreModule, DatabaseModule],
  controllers: [AccountsController, ProfileController],
  providers: [
    AccountsService,
    ApiTokensService,
    PermissionsService,
    PasswordService,
    LoginThrottleService,
    CsrfService,
    LocalStrategy,
    SessionSerializer,
    AccessGuard,
    { provide: APP_GUARD, useClass: CsrfGuard },
    UserAdmin,
    GroupAdmin,
    PermissionAdmin,
    ApiTokenAdmin,
  ],
  exports: [AccountsService, ApiTokensService, PermissionsService, PasswordService, CsrfService, AccessGuard],
})
export class AccountsModule {}
