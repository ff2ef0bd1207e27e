import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Logger,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { message, translateMessage } from '../../i18n/translator';
import { addFlash } from '../../web/flash';
import { validateForm, type FieldErrors } from '../../web/forms';
import { AccountsService } from '../accounts.service';
import { LoginThrottleService, type ThrottleState } from '../login-throttle.service';
import { safeNextPath } from '../next-url';
import { clientIp, renderPage } from '../render';
import { SessionLogin } from '../session-login';
import type { SessionUser } from '../session-user';
import { PasskeyAnswerForm, SecondStepCodeForm } from './mfa-forms';
import { MfaService } from './mfa.service';
import { TwoFactorLogin } from './two-factor-login';
import { WebauthnService } from './webauthn.service';

type Body = Record<string, unknown>;

// Messages are catalogue keys (src/i18n/locales), translated where they are shown.
const WRONG_CODE = 'twoFactor.authenticate.wrongCode';
const PASSKEY_FAILED = 'twoFactor.authenticate.passkeyFailed';
const SESSION_STORE_DOWN = 'accounts.login.unavailable';
const START_AGAIN = 'twoFactor.authenticate.startAgain';
const LOG_IN_TITLE = 'accounts.login.title';

/**
 * The second step of a log-in, on its own page after the password (a code from the authenticator
 * app, a recovery code, or a passkey), and the password-less log-in with a passkey. Both are
 * throttled like the password (counted before they are checked) and end in a new session id.
 */
@Controller('accounts')
export class TwoFactorLoginController {
  private readonly logger = new Logger(TwoFactorLoginController.name);

  constructor(
    private readonly mfa: MfaService,
    private readonly webauthn: WebauthnService,
    private readonly sessionLogin: SessionLogin,
    private readonly twoFactorLogin: TwoFactorLogin,
    private readonly throttle: LoginThrottleService,
    private readonly accounts: AccountsService,
    private readonly config: AppConfig,
  ) {}

  @Get('2fa/authenticate')
  async secondStepForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const pending = await this.sessionLogin.pendingUser(req);
    if (!pending) return this.startAgain(req, res);
    if (!(await this.mfa.isEnabled(pending.user.id))) {
      // Staff reset the factors since the password was accepted: the password is all there is.
      return this.finish(req, res, pending.user, { ...pending.pending, trust: false });
    }
    await this.renderSecondStep(res, pending.user, {});
  }

  @Post('2fa/authenticate')
  async secondStep(@Body() body: Body, @Req() req: Request, @Res() res: Response): Promise<void> {
    const pending = await this.sessionLogin.pendingUser(req);
    if (!pending) return this.startAgain(req, res);
    const form = await validateForm(SecondStepCodeForm, body);
    if (!form.ok) return this.renderSecondStep(res, pending.user, { errors: form.errors }, 400);
    const ip = clientIp(req.ip);
    const throttle = await this.throttle.consumeSecondStepAttempt(pending.user.id, ip);
    if (throttle.throttled) return this.renderThrottled(res, pending.user, throttle);
    const factor = await this.mfa.verifyCode(pending.user, form.value.code);
    if (!factor) return this.renderSecondStep(res, pending.user, { errors: { code: [WRONG_CODE] } }, 400);
    await this.throttle.recordSecondStepSuccess(pending.user.id, ip);
    await this.finish(req, res, pending.user, {
      remember: pending.pending.remember,
      trust: !!form.value.trust,
      next: pending.pending.next,
    });
  }

  @Post('2fa/authenticate/passkey/options')
  @HttpCode(200)
  async secondStepPasskeyOptions(@Req() req: Request): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const pending = await this.sessionLogin.pendingUser(req);
    // Read by a script (or a person) as it is: translated here.
    if (!pending) throw new UnauthorizedException(req.t(START_AGAIN));
    return this.webauthn.authenticationOptions('second-factor', pending.user.id);
  }

  @Post('2fa/authenticate/passkey')
  async secondStepPasskey(@Body() body: Body, @Req() req: Request, @Res() res: Response): Promise<void> {
    const pending = await this.sessionLogin.pendingUser(req);
    if (!pending) return this.startAgain(req, res);
    const form = await validateForm(PasskeyAnswerForm, body);
    if (!form.ok)
      return this.renderSecondStep(res, pending.user, { errors: { passkey: [PASSKEY_FAILED] } }, 400);
    const ip = clientIp(req.ip);
    const throttle = await this.throttle.consumeSecondStepAttempt(pending.user.id, ip);
    if (throttle.throttled) return this.renderThrottled(res, pending.user, throttle);
    const proven = await this.webauthn.authenticate('second-factor', form.value.credential, pending.user.id);
    if (!proven)
      return this.renderSecondStep(res, pending.user, { errors: { passkey: [PASSKEY_FAILED] } }, 400);
    await this.throttle.recordSecondStepSuccess(pending.user.id, ip);
    await this.finish(req, res, pending.user, {
      remember: pending.pending.remember,
      trust: !!form.value.trust,
      next: pending.pending.next,
    });
  }

  /**
   * Counted against the client IP's log-in budget (each challenge is a key in Redis, and each can
   * be answered once, so this also bounds the answers); a successful log-in gives it back.
   */
  @Post('login/passkey/options')
  @HttpCode(200)
  async passkeyLoginOptions(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const throttle = await this.throttle.consumeIpAttempt(clientIp(req.ip));
    if (throttle.throttled) {
      res.setHeader('Retry-After', String(throttle.retryAfterSeconds));
      throw new HttpException(
        translateMessage(tooMany(throttle), req.language),
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return this.webauthn.authenticationOptions('login');
  }

  /** Password-less: a passkey that verified its user (PIN, biometrics) is both factors at once. */
  @Post('login/passkey')
  async passkeyLogin(@Body() body: Body, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form = await validateForm(PasskeyAnswerForm, body);
    const next = safeNextPath(body.next);
    const refuse = (text: string, status: number) =>
      renderPage(
        res,
        'accounts/login',
        { title: LOG_IN_TITLE, values: { next }, errors: { form: [text] } },
        status,
      );
    if (!form.ok) return refuse(PASSKEY_FAILED, 400);
    const proven = await this.webauthn.authenticate('login', form.value.credential);
    const user = proven && (await this.accounts.activeUser(proven.userId));
    if (!user) return refuse(PASSKEY_FAILED, 400);
    if (!req.session) return refuse(SESSION_STORE_DOWN, 503);
    await this.throttle.recordIpSuccess(clientIp(req.ip));
    await this.finish(req, res, user, { remember: !!form.value.remember, trust: false, next });
  }

  private async finish(
    req: Request,
    res: Response,
    user: SessionUser,
    options: { remember: boolean; trust: boolean; next?: string },
  ): Promise<void> {
    try {
      await this.sessionLogin.complete(req, user, { remember: options.remember });
      if (options.trust) await this.twoFactorLogin.trustBrowser(req, res, user);
    } catch (error) {
      this.logger.warn(`Log-in failed to start a session: ${(error as Error).message}`);
      return renderPage(
        res,
        'accounts/login',
        { title: LOG_IN_TITLE, values: {}, errors: { form: [SESSION_STORE_DOWN] } },
        503,
      );
    }
    res.redirect(303, options.next ?? '/');
  }

  private async startAgain(req: Request, res: Response): Promise<void> {
    await this.sessionLogin.abandon(req).catch(() => undefined);
    addFlash(req, 'info', START_AGAIN);
    res.redirect(303, '/accounts/login');
  }

  private renderThrottled(res: Response, user: SessionUser, throttle: ThrottleState): Promise<void> {
    res.setHeader('Retry-After', String(throttle.retryAfterSeconds));
    return this.renderSecondStep(res, user, { errors: { form: [tooMany(throttle)] } }, 429);
  }

  private async renderSecondStep(
    res: Response,
    user: SessionUser,
    extra: { errors?: FieldErrors },
    status = 200,
  ): Promise<void> {
    const methods = await this.mfa.methods(user.id);
    renderPage(
      res,
      'accounts/two-factor-authenticate',
      {
        title: 'twoFactor.authenticate.title',
        methods,
        codeForm: methods.totp || methods.recoveryCodes,
        trustDays: this.config.values.MFA_TRUST_DAYS,
        errors: extra.errors ?? {},
      },
      status,
    );
  }
}

function tooMany(throttle: ThrottleState): string {
  return message('twoFactor.authenticate.throttled', { count: throttle.retryAfterMinutes });
}
