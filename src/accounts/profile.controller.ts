import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { addFlash } from '../web/flash';
import { validateForm, type FieldErrors } from '../web/forms';
import { AccountsService } from './accounts.service';
import { ApiTokensService } from './api-tokens.service';
import { CurrentUser, RequireLogin } from './auth.decorators';
import { ApiTokenForm, ChangePasswordForm, ProfileForm } from './dto/account-forms';
import { renderPage } from './render';
import type { SessionUser } from './session-user';

type Body = Record<string, unknown>;

/** The signed-in user's own pages: profile (name, API tokens) and password change. */
@Controller('accounts')
@RequireLogin()
export class ProfileController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  @Get('profile')
  async profile(@CurrentUser() user: SessionUser, @Res() res: Response): Promise<void> {
    await this.renderProfile(res, user, {});
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
    addFlash(req, 'success', 'Your profile has been saved.');
    res.redirect(303, '/accounts/profile');
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
    addFlash(req, revoked ? 'success' : 'error', revoked ? 'The token has been revoked.' : 'No such token.');
    res.redirect(303, '/accounts/profile');
  }

  @Get('password-change')
  changePasswordForm(@Res() res: Response): void {
    renderPage(res, 'accounts/password-change', { title: 'Change your password', errors: {} });
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
      renderPage(res, 'accounts/password-change', { title: 'Change your password', errors }, 400);
    if (!form.ok) return page(form.errors);
    const result = await this.accounts.changePassword(user.id, form.value);
    if (!result.ok) return page(result.errors);
    // Every other session of this user ends (their stored password digest no longer matches);
    // this one is re-stamped with the new digest, like Django's update_session_auth_hash.
    if (req.session?.passport?.user) {
      req.session.passport.user.hash = this.accounts.sessionAuthHash(result.value.passwordHash);
    }
    addFlash(req, 'success', 'Your password has been changed. Other sessions have been logged out.');
    res.redirect(303, '/accounts/profile');
  }

  private async renderProfile(
    res: Response,
    user: SessionUser,
    extra: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const tokens = await this.apiTokens.list(user.id);
    renderPage(
      res,
      'accounts/profile',
      { title: 'Your profile', values: { displayName: user.displayName }, errors: {}, tokens, ...extra },
      status,
    );
  }
}
