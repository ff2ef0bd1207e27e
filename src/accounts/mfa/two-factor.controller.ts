import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { message } from '../../i18n/translator';
import { addFlash } from '../../web/flash';
import { validateForm, type FieldErrors } from '../../web/forms';
import { CurrentUser, RequireLogin } from '../auth.decorators';
import { safeNextPath } from '../next-url';
import { PasswordConfirmation } from '../password-confirmation';
import { clientIp, renderPage } from '../render';
import { SessionLogin } from '../session-login';
import type { SessionUser } from '../session-user';
import { NewPasskeyForm, PasskeyNameForm, PasswordAgainForm, TotpActivationForm } from './mfa-forms';
import { MfaService } from './mfa.service';
import { TotpService } from './totp.service';
import { TrustedBrowsersService } from './trusted-browsers.service';
import { WebauthnService } from './webauthn.service';

type Body = Record<string, unknown>;

const ENROLMENT_MINUTES = 10;
const PROFILE = '/accounts/profile#two-factor';

// Page titles and messages are catalogue keys (src/i18n/locales), translated where they are shown.
const REAUTH_TITLE = 'twoFactor.reauth.title';
const TOTP_TITLE = 'twoFactor.totp.title';
const PASSKEY_ADD_TITLE = 'twoFactor.passkeyAdd.title';
const PASSKEY_RENAME_TITLE = 'twoFactor.passkeyRename.title';
const NO_SUCH_PASSKEY = 'flash.twoFactor.noSuchPasskey';
/** The removal pages: which factor, and what the page says about it. */
const REMOVE_TOTP = {
  title: 'twoFactor.remove.totpTitle',
  intro: 'twoFactor.remove.totpIntro',
  action: '/accounts/2fa/totp/deactivate',
};
const REMOVE_PASSKEY_TITLE = 'twoFactor.remove.passkeyTitle';

/**
 * A signed-in member's two-factor methods (the profile shows them): setting up an authenticator
 * app, adding passkeys, recovery codes, trusted browsers. Adding a factor or making new recovery
 * codes needs a recent log-in (else the password is asked again first, like django-allauth's
 * re-authentication); removing one needs the password in the same form.
 */
@Controller('accounts')
@RequireLogin()
export class TwoFactorController {
  constructor(
    private readonly mfa: MfaService,
    private readonly totp: TotpService,
    private readonly webauthn: WebauthnService,
    private readonly trustedBrowsers: TrustedBrowsersService,
    private readonly sessionLogin: SessionLogin,
    private readonly passwordConfirmation: PasswordConfirmation,
  ) {}

  // --- Re-authentication ---------------------------------------------------------------------

  @Get('reauthenticate')
  reauthenticateForm(@Query('next') next: unknown, @Res() res: Response): void {
    renderPage(res, 'accounts/reauthenticate', {
      title: REAUTH_TITLE,
      next: safeNextPath(next),
      errors: {},
    });
  }

  @Post('reauthenticate')
  async reauthenticate(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const next = safeNextPath(body.next);
    const page = (errors: FieldErrors, status: number) =>
      renderPage(res, 'accounts/reauthenticate', { title: REAUTH_TITLE, next, errors }, status);
    const form = await validateForm(PasswordAgainForm, body);
    if (!form.ok) return page(form.errors, 400);
    const check = await this.passwordConfirmation.check(user, form.value.password, clientIp(req.ip));
    if (!check.ok) {
      if (check.throttled) res.setHeader('Retry-After', String(check.retryAfterSeconds));
      return page({ password: [check.message] }, check.throttled ? 429 : 400);
    }
    await this.sessionLogin.markReauthenticated(req);
    res.redirect(303, next ?? PROFILE);
  }

  // --- Authenticator app -----------------------------------------------------------------------

  @Get('2fa/totp/activate')
  async totpActivateForm(
    @CurrentUser() user: SessionUser,
    @Query('next') next: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.recentlyAuthenticated(req, res)) return;
    if (await this.totp.isActive(user.id)) {
      addFlash(req, 'info', 'flash.twoFactor.totpExists');
      return res.redirect(303, PROFILE);
    }
    const enrolment = await this.totp.newEnrolment(user);
    req.session.totpEnrolment = {
      sealed: enrolment.sealed,
      expiresAt: Date.now() + ENROLMENT_MINUTES * 60_000,
    };
    renderPage(res, 'accounts/two-factor-totp-activate', {
      title: TOTP_TITLE,
      enrolment,
      next: safeNextPath(next),
      errors: {},
    });
  }

  @Post('2fa/totp/activate')
  async totpActivate(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const pending = req.session?.totpEnrolment;
    const enrolment =
      pending && pending.expiresAt > Date.now()
        ? await this.totp.resumeEnrolment(user, pending.sealed)
        : undefined;
    if (!enrolment) {
      addFlash(req, 'error', 'flash.twoFactor.enrolmentExpired');
      return res.redirect(303, '/accounts/2fa/totp/activate');
    }
    const next = safeNextPath(body.next);
    const page = (errors: FieldErrors) =>
      renderPage(
        res,
        'accounts/two-factor-totp-activate',
        { title: TOTP_TITLE, enrolment, next, errors },
        400,
      );
    const form = await validateForm(TotpActivationForm, body);
    if (!form.ok) return page(form.errors);
    const codes = await this.mfa.activateTotp(user, enrolment.sealed, form.value.code);
    if (!codes) return page({ code: ['twoFactor.totp.wrongCode'] });
    delete req.session.totpEnrolment;
    this.showActivated(req, res, 'flash.twoFactor.totpActivated', codes, next);
  }

  @Get('2fa/totp/deactivate')
  totpDeactivateForm(@Res() res: Response): void {
    renderPage(res, 'accounts/two-factor-remove', { ...REMOVE_TOTP, errors: {} });
  }

  @Post('2fa/totp/deactivate')
  async totpDeactivate(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const refused = await this.confirmRemoval(user, body, req, res, REMOVE_TOTP);
    if (refused) return;
    const removed = await this.mfa.removeTotp(user);
    addFlash(
      req,
      removed ? 'success' : 'info',
      removed ? 'flash.twoFactor.totpRemoved' : 'flash.twoFactor.noTotp',
    );
    res.redirect(303, PROFILE);
  }

  // --- Recovery codes --------------------------------------------------------------------------

  @Get('2fa/recovery-codes/generate')
  async recoveryCodesForm(
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.recentlyAuthenticated(req, res)) return;
    if (!(await this.mfa.isEnabled(user.id))) return res.redirect(303, PROFILE);
    renderPage(res, 'accounts/two-factor-recovery-codes-generate', {
      title: 'twoFactor.recoveryCodes.generateTitle',
    });
  }

  @Post('2fa/recovery-codes/generate')
  async generateRecoveryCodes(
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.recentlyAuthenticated(req, res, '/accounts/2fa/recovery-codes/generate')) return;
    const codes = await this.mfa.regenerateRecoveryCodes(user);
    if (!codes) {
      addFlash(req, 'error', 'flash.twoFactor.codesNeedFactor');
      return res.redirect(303, PROFILE);
    }
    renderRecoveryCodes(req, res, codes, 'twoFactor.recoveryCodes.newTitle', undefined, 201);
  }

  // --- Passkeys --------------------------------------------------------------------------------

  @Get('2fa/webauthn/add')
  addPasskeyForm(@Query('next') next: unknown, @Req() req: Request, @Res() res: Response): void {
    if (!this.recentlyAuthenticated(req, res)) return;
    renderPage(res, 'accounts/two-factor-passkey-add', {
      title: PASSKEY_ADD_TITLE,
      values: { name: '' },
      next: safeNextPath(next),
      errors: {},
    });
  }

  @Post('2fa/webauthn/add/options')
  @HttpCode(200)
  addPasskeyOptions(
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    if (!this.sessionLogin.isRecentlyAuthenticated(req)) {
      // Read by passkeys.js (or a person) as it is: translated here.
      throw new ForbiddenException(req.t('twoFactor.passkeyAdd.reauthFirst'));
    }
    return this.webauthn.registrationOptions(user);
  }

  @Post('2fa/webauthn/add')
  async addPasskey(
    @CurrentUser() user: SessionUser,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!this.recentlyAuthenticated(req, res, '/accounts/2fa/webauthn/add')) return;
    const next = safeNextPath(body.next);
    const page = (errors: FieldErrors) =>
      renderPage(
        res,
        'accounts/two-factor-passkey-add',
        {
          title: PASSKEY_ADD_TITLE,
          values: { name: typeof body.name === 'string' ? body.name : '' },
          next,
          errors,
        },
        400,
      );
    const form = await validateForm(NewPasskeyForm, body);
    if (!form.ok) return page(form.errors);
    const verified = await this.webauthn.verifyRegistration(user.id, form.value.credential);
    if (!verified.ok) return page({ credential: [verified.error] });
    const codes = await this.mfa.addPasskey(user, form.value.name, verified.credential);
    if (!codes) return page({ credential: ['twoFactor.passkeyAdd.alreadyRegistered'] });
    const added = message('flash.twoFactor.passkeyAdded', { name: form.value.name });
    this.showActivated(req, res, added, codes, next);
  }

  @Get('2fa/webauthn/:id/rename')
  async renamePasskeyForm(
    @CurrentUser() user: SessionUser,
    @Param('id') id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const passkey = (await this.webauthn.list(user.id)).find((row) => row.id === id);
    if (!passkey) {
      addFlash(req, 'error', NO_SUCH_PASSKEY);
      return res.redirect(303, PROFILE);
    }
    renderPage(res, 'accounts/two-factor-passkey-rename', {
      title: PASSKEY_RENAME_TITLE,
      passkey,
      values: { name: passkey.name },
      errors: {},
    });
  }

  @Post('2fa/webauthn/:id/rename')
  async renamePasskey(
    @CurrentUser() user: SessionUser,
    @Param('id') id: number,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const form = await validateForm(PasskeyNameForm, body);
    if (!form.ok) {
      const passkey = { id, name: '' };
      return renderPage(
        res,
        'accounts/two-factor-passkey-rename',
        { title: PASSKEY_RENAME_TITLE, passkey, values: form.values, errors: form.errors },
        400,
      );
    }
    const renamed = await this.webauthn.rename(user.id, id, form.value.name);
    addFlash(
      req,
      renamed ? 'success' : 'error',
      renamed ? message('flash.twoFactor.passkeyRenamed', { name: form.value.name }) : NO_SUCH_PASSKEY,
    );
    res.redirect(303, PROFILE);
  }

  @Get('2fa/webauthn/:id/remove')
  async removePasskeyForm(
    @CurrentUser() user: SessionUser,
    @Param('id') id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const passkey = (await this.webauthn.list(user.id)).find((row) => row.id === id);
    if (!passkey) {
      addFlash(req, 'error', NO_SUCH_PASSKEY);
      return res.redirect(303, PROFILE);
    }
    renderPage(res, 'accounts/two-factor-remove', {
      title: REMOVE_PASSKEY_TITLE,
      intro: message('twoFactor.remove.passkeyIntro', { name: passkey.name }),
      action: `/accounts/2fa/webauthn/${id}/remove`,
      errors: {},
    });
  }

  @Post('2fa/webauthn/:id/remove')
  async removePasskey(
    @CurrentUser() user: SessionUser,
    @Param('id') id: number,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const refused = await this.confirmRemoval(user, body, req, res, {
      title: REMOVE_PASSKEY_TITLE,
      intro: 'twoFactor.remove.thisPasskeyIntro',
      action: `/accounts/2fa/webauthn/${id}/remove`,
    });
    if (refused) return;
    const name = await this.mfa.removePasskey(user, id);
    addFlash(
      req,
      name ? 'success' : 'error',
      name ? message('flash.twoFactor.passkeyRemoved', { name }) : NO_SUCH_PASSKEY,
    );
    res.redirect(303, PROFILE);
  }

  // --- Trusted browsers ------------------------------------------------------------------------

  @Post('2fa/trusted-browsers/:id/forget')
  async forgetBrowser(
    @CurrentUser() user: SessionUser,
    @Param('id') id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const forgotten = await this.trustedBrowsers.forget(user.id, id);
    addFlash(
      req,
      forgotten ? 'success' : 'error',
      forgotten ? 'flash.twoFactor.browserForgotten' : 'flash.twoFactor.noSuchBrowser',
    );
    res.redirect(303, PROFILE);
  }

  @Post('2fa/trusted-browsers/forget')
  async forgetAllBrowsers(
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.trustedBrowsers.forgetAll(user.id);
    addFlash(req, 'success', 'flash.twoFactor.allBrowsersForgotten');
    res.redirect(303, PROFILE);
  }

  // ---------------------------------------------------------------------------------------------

  /** False (and a redirect to the password page, back here after) unless the log-in is recent. */
  private recentlyAuthenticated(req: Request, res: Response, back = req.originalUrl): boolean {
    if (this.sessionLogin.isRecentlyAuthenticated(req)) return true;
    res.redirect(303, `/accounts/reauthenticate?next=${encodeURIComponent(safeNextPath(back) ?? PROFILE)}`);
    return false;
  }

  /** Renders the form again (true) unless the password in `body` is right. */
  private async confirmRemoval(
    user: SessionUser,
    body: Body,
    req: Request,
    res: Response,
    view: { title: string; intro: string; action: string },
  ): Promise<boolean> {
    const form = await validateForm(PasswordAgainForm, body);
    const check = form.ok
      ? await this.passwordConfirmation.check(user, form.value.password, clientIp(req.ip))
      : undefined;
    if (check?.ok) return false;
    if (check?.throttled) res.setHeader('Retry-After', String(check.retryAfterSeconds));
    const errors = check ? { password: [check.message] } : form.ok ? {} : form.errors;
    renderPage(res, 'accounts/two-factor-remove', { ...view, errors }, check?.throttled ? 429 : 400);
    return true;
  }

  /** After a first or further factor: the new recovery codes once, or back to the profile. */
  private showActivated(
    req: Request,
    res: Response,
    confirmation: string,
    codes: string[],
    next?: string,
  ): void {
    if (codes.length) {
      return renderRecoveryCodes(
        req,
        res,
        codes,
        'twoFactor.recoveryCodes.saveTitle',
        confirmation,
        201,
        next,
      );
    }
    addFlash(req, 'success', confirmation);
    res.redirect(303, next ?? PROFILE);
  }
}

/** The codes, on this response only (never stored in the clear), with download and print. */
function renderRecoveryCodes(
  req: Request,
  res: Response,
  codes: string[],
  title: string,
  confirmation: string | undefined,
  status: number,
  next?: string,
): void {
  // The text file, in the reader's language like the page.
  const heading = `${req.t('twoFactor.recoveryCodes.fileTitle')}\n${req.t('twoFactor.recoveryCodes.fileNote')}`;
  const download = `data:text/plain;charset=utf-8,${encodeURIComponent(`${heading}\n\n${codes.join('\n')}\n`)}`;
  renderPage(
    res,
    'accounts/two-factor-recovery-codes',
    { title, message: confirmation, codes, download, next },
    status,
  );
}
