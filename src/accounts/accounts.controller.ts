import { Body, Controller, Get, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { message } from '../i18n/translator';
import { addFlash } from '../web/flash';
import { validateForm } from '../web/forms';
import { AccountsService } from './accounts.service';
import { CurrentUser, RequireLogin } from './auth.decorators';
import { LoginForm, PasswordResetRequestForm, SetPasswordForm, SignupForm } from './dto/account-forms';
import { LoginThrottleService } from './login-throttle.service';
import { safeNextPath } from './next-url';
import { clientIp, padResponseTime, renderPage } from './render';
import type { SessionUser } from './session-user';
import { SECOND_STEP_PATH, TwoFactorLogin } from './mfa/two-factor-login';
import { SessionLogin } from './session-login';
import { sessionCookieName } from './web-session';
import { AppConfig } from '../config/app-config';

// Sign-up and reset requests never answer faster than this, whatever the address (see padResponseTime).
const ENUMERATION_FLOOR_MS = 400;
const LOGIN_FAILED = 'accounts.login.failed';
const SESSIONS_UNAVAILABLE = 'accounts.login.unavailable';
const BAD_LINK = 'accounts.linkInvalid.message';
const BAD_LINK_TITLE = 'accounts.linkInvalid.title';

type Body = Record<string, unknown>;

/** The public account pages: sign-up, e-mail verification, log-in/out, password reset. */
@Controller('accounts')
export class AccountsController {
  private readonly logger = new Logger(AccountsController.name);

  constructor(
    private readonly accounts: AccountsService,
    private readonly throttle: LoginThrottleService,
    private readonly sessionLogin: SessionLogin,
    private readonly twoFactor: TwoFactorLogin,
    private readonly config: AppConfig,
  ) {}

  @Get('signup')
  signupForm(@Req() req: Request, @Res() res: Response): void {
    if (req.user) return res.redirect(303, '/accounts/profile');
    renderPage(res, 'accounts/signup', { title: 'accounts.signup.title', values: {}, errors: {} });
  }

  @Post('signup')
  async signup(@Body() body: Body, @Req() req: Request, @Res() res: Response): Promise<void> {
    const startedAt = performance.now();
    const form = await validateForm(SignupForm, body);
    if (!form.ok) {
      return renderPage(
        res,
        'accounts/signup',
        { title: 'accounts.signup.title', values: form.values, errors: form.errors },
        400,
      );
    }
    const result = await this.accounts.signup({ ...form.value, language: req.language });
    if (!result.ok) {
      const values = { email: form.value.email, displayName: form.value.displayName };
      return renderPage(
        res,
        'accounts/signup',
        { title: 'accounts.signup.title', values, errors: result.errors },
        400,
      );
    }
    // Remembered whether or not the address was new (the response must not tell): confirming it
    // in this browser signs the member in (see verify).
    if (req.session) {
      req.session.signupEmail = form.value.email;
      await new Promise<void>((resolve) => req.session.save(() => resolve()));
    }
    await padResponseTime(startedAt, ENUMERATION_FLOOR_MS);
    renderPage(res, 'accounts/signup-done', { title: 'accounts.signupDone.title' });
  }

  @Get('verify-email/:token')
  async verifyForm(@Param('token') token: string, @Res() res: Response): Promise<void> {
    // A page with a button, not an immediate verification: mail scanners that prefetch links
    // must not spend the token.
    if (!(await this.accounts.isVerificationTokenValid(token))) {
      return renderPage(res, 'accounts/link-invalid', { title: BAD_LINK_TITLE, message: BAD_LINK }, 400);
    }
    renderPage(res, 'accounts/verify-email', { title: 'accounts.verify.title', token });
  }

  /**
   * Confirms the address. In the browser that signed up (its session holds the address, as
   * django-allauth's ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION does) the member is signed in at once;
   * a link opened anywhere else only confirms, and the log-in page asks for the password: the link
   * alone (forwarded, read by someone else) never opens a session.
   */
  @Post('verify-email/:token')
  async verify(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const user = await this.accounts.verifyEmail(token);
    if (!user)
      return renderPage(res, 'accounts/link-invalid', { title: BAD_LINK_TITLE, message: BAD_LINK }, 400);
    if (req.user) {
      addFlash(req, 'success', 'flash.emailConfirmed');
      return res.redirect(303, '/');
    }
    if (req.session?.signupEmail !== user.email || !user.isActive) {
      addFlash(req, 'success', 'flash.emailConfirmedOtherBrowser');
      return res.redirect(303, '/accounts/login');
    }
    try {
      if (await this.twoFactor.needsSecondStep(req, user)) {
        await this.sessionLogin.beginSecondStep(req, user, { remember: false });
        return res.redirect(303, SECOND_STEP_PATH);
      }
      await this.sessionLogin.complete(req, user, { remember: false, greeting: false });
    } catch (error) {
      this.logger.warn(
        `Log-in after e-mail confirmation failed to start a session: ${(error as Error).message}`,
      );
      addFlash(req, 'success', 'flash.emailConfirmedPleaseLogIn');
      return res.redirect(303, '/accounts/login');
    }
    addFlash(req, 'success', 'flash.emailConfirmedLoggedIn');
    res.redirect(303, '/');
  }

  @Post('resend-verification')
  @RequireLogin()
  async resendVerification(
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (await this.accounts.resendVerification(user.id)) {
      addFlash(req, 'info', message('flash.verificationResent', { email: user.email }));
    } else {
      addFlash(req, 'error', 'flash.verificationThrottled');
    }
    res.redirect(303, '/accounts/profile');
  }

  @Get('login')
  loginForm(@Query('next') next: unknown, @Req() req: Request, @Res() res: Response): void {
    if (req.user) return res.redirect(303, safeNextPath(next) ?? '/');
    renderPage(res, 'accounts/login', {
      title: 'accounts.login.title',
      values: { next: safeNextPath(next) },
      errors: {},
    });
  }

  @Post('login')
  async login(@Body() body: Body, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = await validateForm(LoginForm, body);
    const next = safeNextPath(body.next);
    const page = (errors: Record<string, string[]>, status: number, values: Record<string, unknown>) =>
      renderPage(
        res,
        'accounts/login',
        { title: 'accounts.login.title', values: { ...values, next }, errors },
        status,
      );
    if (!form.ok) return page(form.errors, 400, form.values);
    // The password itself is read by Passport's local strategy from the body.
    const { email, remember } = form.value;
    const ip = clientIp(req.ip);

    // Counted before the password is checked (see consumeAttempt): a burst gets no more guesses.
    const throttle = await this.throttle.consumeAttempt(email, ip);
    if (throttle.throttled) {
      const minutes = throttle.retryAfterMinutes;
      res.setHeader('Retry-After', String(minutes * 60));
      return page(
        {
          form: [message('accounts.login.throttled', { count: minutes })],
        },
        429,
        { email },
      );
    }
    const user = await this.authenticateLocal(req, res);
    if (!user) return page({ form: [LOGIN_FAILED] }, 400, { email });
    if (!req.session) return page({ form: [SESSIONS_UNAVAILABLE] }, 503, { email });

    await this.throttle.recordSuccess(email, ip);
    try {
      if (await this.twoFactor.needsSecondStep(req, user)) {
        await this.sessionLogin.beginSecondStep(req, user, { remember: !!remember, next });
        return res.redirect(303, SECOND_STEP_PATH);
      }
      await this.sessionLogin.complete(req, user, { remember: !!remember });
    } catch (error) {
      this.logger.warn(`Log-in failed to start a session: ${(error as Error).message}`);
      return page({ form: [SESSIONS_UNAVAILABLE] }, 503, { email });
    }
    res.redirect(303, next ?? '/');
  }

  @Get('logout')
  logoutForm(@Res() res: Response): void {
    renderPage(res, 'accounts/logout', { title: 'accounts.logout.title' });
  }

  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.session) {
      // Destroyed, not just emptied: the old id is gone from Redis.
      await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    }
    res.clearCookie(sessionCookieName(this.config), { path: '/' });
    res.locals.currentUser = null;
    renderPage(res, 'accounts/logged-out', { title: 'accounts.loggedOut.title', currentUser: null });
  }

  @Get('password-reset')
  resetRequestForm(@Res() res: Response): void {
    renderPage(res, 'accounts/password-reset', { title: 'accounts.reset.title', values: {}, errors: {} });
  }

  @Post('password-reset')
  async resetRequest(@Body() body: Body, @Res() res: Response): Promise<void> {
    const startedAt = performance.now();
    const form = await validateForm(PasswordResetRequestForm, body);
    if (!form.ok) {
      return renderPage(
        res,
        'accounts/password-reset',
        { title: 'accounts.reset.title', values: form.values, errors: form.errors },
        400,
      );
    }
    await this.accounts.requestPasswordReset(form.value.email);
    await padResponseTime(startedAt, ENUMERATION_FLOOR_MS);
    renderPage(res, 'accounts/password-reset-sent', { title: 'accounts.signupDone.title' });
  }

  @Get('password-reset/:token')
  async resetForm(@Param('token') token: string, @Res() res: Response): Promise<void> {
    if (!(await this.accounts.isResetTokenValid(token))) {
      return renderPage(res, 'accounts/link-invalid', { title: BAD_LINK_TITLE, message: BAD_LINK }, 400);
    }
    renderPage(res, 'accounts/password-reset-confirm', {
      title: 'accounts.resetConfirm.title',
      token,
      errors: {},
    });
  }

  @Post('password-reset/:token')
  async reset(
    @Param('token') token: string,
    @Body() body: Body,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const form = await validateForm(SetPasswordForm, body);
    const page = (errors: Record<string, string[]>) =>
      renderPage(
        res,
        'accounts/password-reset-confirm',
        { title: 'accounts.resetConfirm.title', token, errors },
        400,
      );
    if (!form.ok) return page(form.errors);
    const result = await this.accounts.resetPassword(token, form.value.password, form.value.password2);
    if (!result.ok) {
      if (result.errors.token) {
        return renderPage(res, 'accounts/link-invalid', { title: BAD_LINK_TITLE, message: BAD_LINK }, 400);
      }
      return page(result.errors);
    }
    await this.throttle.recordSuccess(result.value.email);
    addFlash(req, 'success', 'flash.passwordSet');
    res.redirect(303, '/accounts/login');
  }

  /** Runs Passport's local strategy without Passport's own redirects (this controller renders). */
  private authenticateLocal(req: Request, res: Response): Promise<SessionUser | undefined> {
    return new Promise((resolve, reject) => {
      passport.authenticate('local', { session: false }, (error: unknown, user: SessionUser | false) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(user || undefined);
      })(req, res, (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    });
  }
}
