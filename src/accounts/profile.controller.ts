import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LANGUAGE_NAMES, LANGUAGES } from '../i18n/languages';
import { addFlash } from '../web/flash';
import { validateForm, type FieldErrors } from '../web/forms';
import { AccountsService } from './accounts.service';
import { ApiTokensService } from './api-tokens.service';
import { CurrentUser, RequireLogin } from './auth.decorators';
import { EmailPreferencesService } from './email-preferences.service';
import { ApiTokenForm, ChangePasswordForm, ProfileForm } from './dto/account-forms';
import { RECOVERY_CODE_COUNT } from './mfa/recovery-codes.service';
import { MfaService } from './mfa/mfa.service';
import { safeNextPath } from './next-url';
import { renderPage } from './render';
import type { SessionUser } from './session-user';

type Body = Record<string, unknown>;

/**
 * The signed-in user's own pages: profile (name, two-factor methods, API tokens) and password
 * change. The two-factor section's pages are in mfa/two-factor.controller.ts.
 */
@Controller('accounts')
@RequireLogin()
export class ProfileController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly apiTokens: ApiTokensService,
    private readonly mfa: MfaService,
    private readonly emailPreferences: EmailPreferencesService,
  ) {}

  /** `next`: where staff sent here to enrol (MFA_REQUIRED_FOR_STAFF) go back to afterwards. */
  @Get('profile')
  async profile(
    @CurrentUser() user: SessionUser,
    @Query('next') next: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const back = safeNextPath(next);
    await this.renderProfile(res, user, { enrolNext: back && encodeURIComponent(back) });
  }

  @Post('profile')
  async updateProfile(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const form = await validateForm(ProfileForm, body);
    if (!form.ok) return this.renderProfile(res, user, { errors: form.errors, values: form.values }, 400);
    await this.accounts.updateProfile(user.id, form.value);
    addFlash(req, 'success', 'flash.profileSaved');
    res.redirect(303, '/accounts/profile');
  }

  /** The optional e-mails; a checkbox left unticked is not sent at all, so absent means off. */
  @Post('profile/email')
  async updateEmailPreferences(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.emailPreferences.update(user.id, {
      announcements: body.announcements !== undefined,
      reminders: body.reminders !== undefined,
    });
    addFlash(req, 'success', 'flash.emailPreferencesSaved');
    res.redirect(303, '/accounts/profile#email');
  }

  @Post('profile/tokens')
  async createToken(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Res() res: Response,
  ): Promise<void> {
    const form = await validateForm(ApiTokenForm, body);
    if (!form.ok)
      return this.renderProfile(res, user, { tokenErrors: form.errors, tokenValues: form.values }, 400);
    const created = await this.apiTokens.create(user.id, form.value.name);
    // Rendered, not redirected: the plain token is shown on this response only, never stored.
    await this.renderProfile(res, user, { newToken: { name: form.value.name, value: created.token } }, 201);
  }

  @Post('profile/tokens/:id/revoke')
  async revokeToken(
    @CurrentUser() user: SessionUser,
    @Param('id') id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const revoked = await this.apiTokens.revoke(user.id, id);
    addFlash(req, revoked ? 'success' : 'error', revoked ? 'flash.tokenRevoked' : 'flash.noSuchToken');
    res.redirect(303, '/accounts/profile');
  }

  @Get('password-change')
  changePasswordForm(@Res() res: Response): void {
    renderPage(res, 'accounts/password-change', { title: 'accounts.passwordChange.title', errors: {} });
  }

  @Post('password-change')
  async changePassword(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const form = await validateForm(ChangePasswordForm, body);
    const page = (errors: FieldErrors) =>
      renderPage(res, 'accounts/password-change', { title: 'accounts.passwordChange.title', errors }, 400);
    if (!form.ok) return page(form.errors);
    const result = await this.accounts.changePassword(user.id, form.value);
    if (!result.ok) return page(result.errors);
    // Every other session of this user ends (their stored password digest no longer matches);
    // this one is re-stamped with the new digest, like Django's update_session_auth_hash.
    if (req.session?.passport?.user) {
      req.session.passport.user.hash = this.accounts.sessionAuthHash(result.value.passwordHash);
    }
    addFlash(req, 'success', 'flash.passwordChanged');
    res.redirect(303, '/accounts/profile');
  }

  private async renderProfile(
    res: Response,
    user: SessionUser,
    extra: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const [tokens, mfa, emailPreferences] = await Promise.all([
      this.apiTokens.list(user.id),
      this.mfa.overview(user.id),
      this.emailPreferences.of(user.id),
    ]);
    renderPage(
      res,
      'accounts/profile',
      {
        title: 'accounts.profile.title',
        values: { displayName: user.displayName, language: user.language ?? '' },
        languageChoices: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code] })),
        errors: {},
        tokens,
        mfa,
        emailPreferences,
        recoveryCodeCount: RECOVERY_CODE_COUNT,
        ...extra,
      },
      status,
    );
  }
}
