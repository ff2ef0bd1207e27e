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
import { MfaService } from './mfa/mfa.service';
import { RecoveryCodesService } from './mfa/recovery-codes.service';
import { TotpService } from './mfa/totp.service';
import { TrustedBrowsersService } from './mfa/trusted-browsers.service';
import { TwoFactorLogin } from './mfa/two-factor-login';
import { TwoFactorLoginController } from './mfa/two-factor-login.controller';
import { TwoFactorController } from './mfa/two-factor.controller';
import { WebauthnService } from './mfa/webauthn.service';
import { PasswordConfirmation } from './password-confirmation';
import { PasswordService } from './passwords';
import { PermissionAdmin } from './permission.admin';
import { PermissionsService } from './permissions.service';
import { ProfileController } from './profile.controller';
import { EmailPreferencesService } from './email-preferences.service';
import { UnsubscribeController } from './unsubscribe.controller';
import { SessionLogin } from './session-login';
import { SessionSerializer } from './session.serializer';
import { UserAdmin } from './user.admin';

/**
 * Accounts for the web process: pages under /accounts, sessions (configured by
 * configureSessions in web-session.ts), the global CSRF guard, and the services other features
 * use (PermissionsService, ApiTokensService, MfaService; guards through the decorators in
 * auth.decorators.ts), and the admin's registrations of users, groups, permissions and API tokens.
 * Two-factor sign-in (authenticator apps, recovery codes, passkeys) is in mfa/.
 */
@Module({
  // EventsCoreModule: deleting a user in the admin cancels their places and events (UserAdmin).
  imports: [PassportModule.register({ session: true }), MailModule, EventsCoreModule, DatabaseModule],
  controllers: [
    AccountsController,
    ProfileController,
    TwoFactorLoginController,
    TwoFactorController,
    UnsubscribeController,
  ],
  providers: [
    AccountsService,
    EmailPreferencesService,
    ApiTokensService,
    PermissionsService,
    PasswordService,
    LoginThrottleService,
    CsrfService,
    LocalStrategy,
    SessionSerializer,
    SessionLogin,
    PasswordConfirmation,
    MfaService,
    TotpService,
    RecoveryCodesService,
    WebauthnService,
    TrustedBrowsersService,
    TwoFactorLogin,
    AccessGuard,
    { provide: APP_GUARD, useClass: CsrfGuard },
    UserAdmin,
    GroupAdmin,
    PermissionAdmin,
    ApiTokenAdmin,
  ],
  exports: [
    AccountsService,
    ApiTokensService,
    PermissionsService,
    PasswordService,
    CsrfService,
    AccessGuard,
    MfaService,
  ],
})
export class AccountsModule {}
