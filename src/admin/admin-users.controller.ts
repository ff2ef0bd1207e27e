import { Body, Controller, ForbiddenException, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequireStaff } from '../accounts/auth.decorators';
import { AccountsService } from '../accounts/accounts.service';
import { MfaService } from '../accounts/mfa/mfa.service';
import { PasswordService } from '../accounts/passwords';
import { message } from '../i18n/translator';
import { PrismaService } from '../prisma/prisma.service';
import { addFlash } from '../web/flash';
import type { FieldErrors } from '../web/forms';
import { AdminAccess } from './admin-access';
import { AdminLogService } from './admin-log.service';
import { AdminObjectsService } from './admin-objects.service';
import { AdminPresenter } from './admin-presenter';
import { AdminSite } from './admin-site';
import type { SubmittedForm } from './admin-values';
import { changeUrlOf, renderAdmin } from './admin-views';

/**
 * The user admin's "Set password" page (Django's AdminPasswordChangeForm): the accounts password
 * validators apply; the hash is never shown and the log records only that it changed. And "Reset
 * two-factor": removes a member's authenticator app, passkeys and recovery codes (they lost them),
 * logged and e-mailed to them.
 */
@Controller('admin/user')
@RequireStaff()
export class AdminUsersController {
  constructor(
    private readonly site: AdminSite,
    private readonly access: AdminAccess,
    private readonly objects: AdminObjectsService,
    private readonly presenter: AdminPresenter,
    private readonly log: AdminLogService,
    private readonly prisma: PrismaService,
    private readonly passwords: PasswordService,
    private readonly accounts: AccountsService,
    private readonly mfa: MfaService,
  ) {}

  @Get(':id/two-factor')
  async twoFactorForm(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { info, permissions, user } = await this.changeableUser(id, req);
    const overview = await this.mfa.overview(user.id as number);
    renderAdmin(
      res,
      'reset_two_factor',
      {
        title: req.t('admin.twoFactor.title', { name: String(user.email) }),
        ...this.presenter.modelLocals(info, permissions, req.language),
        object: { id: String(user.id), repr: String(user.email), url: `/admin/user/${String(user.id)}` },
        mfa: overview,
      },
      info,
    );
  }

  @Post(':id/two-factor')
  async resetTwoFactor(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { info, permissions, user } = await this.changeableUser(id, req);
    const member = {
      id: user.id as number,
      email: String(user.email),
      displayName: String(user.displayName),
    };
    const removed = await this.prisma.$transaction(async (tx) => {
      const what = await this.mfa.reset(member, tx);
      if (what.length) {
        await this.log.write(tx, [
          {
            userId: permissions.user.id,
            info,
            objectId: member.id,
            repr: this.site.repr(info, user),
            action: 'change',
            message: `Two-factor authentication reset (${what.join(', ')})`,
          },
        ]);
      }
      return what;
    });
    addFlash(
      req,
      removed.length ? 'success' : 'info',
      removed.length
        ? message('admin.flash.twoFactorReset', { email: member.email })
        : message('admin.flash.noTwoFactor', { email: member.email }),
    );
    res.redirect(303, changeUrlOf('user', member.id));
  }

  @Get(':id/password')
  async form(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const info = this.site.get('user');
    const permissions = await this.access.of(req);
    permissions.require(info, 'change');
    const user = await this.objects.get(info, id);
    if (!this.site.allowsObject(info, user, permissions.user, 'change')) {
      throw new ForbiddenException(message('admin.errors.mayNotChangePassword'));
    }
    this.render(req, res, info, permissions, user, {});
  }

  @Post(':id/password')
  async set(
    @Param('id') id: string,
    @Body() body: SubmittedForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const info = this.site.get('user');
    const permissions = await this.access.of(req);
    permissions.require(info, 'change');
    const user = await this.objects.get(info, id);
    if (!this.site.allowsObject(info, user, permissions.user, 'change')) {
      throw new ForbiddenException(message('admin.errors.mayNotChangePassword'));
    }
    const password1 = typeof body.password1 === 'string' ? body.password1 : '';
    const password2 = typeof body.password2 === 'string' ? body.password2 : '';
    const errors: FieldErrors = {};
    if (!password1) errors.password1 = [message('admin.validation.required')];
    if (!password2) errors.password2 = [message('admin.validation.required')];
    if (password1 && password2 && password1 !== password2)
      errors.password2 = [message('validation.passwordMismatch')];
    if (!Object.keys(errors).length) {
      const problems = this.passwords.validate(password1, {
        email: String(user.email),
        displayName: String(user.displayName),
      });
      // The validators' messages are descriptors, translated where the page shows them ({{tm}}).
      if (problems.length) errors.password2 = problems;
    }
    if (Object.keys(errors).length) return this.render(req, res, info, permissions, user, errors, 400);
    const passwordHash = await this.passwords.hash(password1);
    await this.prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id as number }, data: { passwordHash } });
      await this.log.write(tx, [
        {
          userId: permissions.user.id,
          info,
          objectId: user.id as number,
          repr: this.site.repr(info, user),
          action: 'change',
          changes: { passwordHash: null },
          message: 'Password set',
        },
      ]);
    });
    // Setting one's own password keeps this session (like Django's update_session_auth_hash);
    // every other session of that user ends.
    if (user.id === permissions.user.id && req.session?.passport?.user) {
      req.session.passport.user.hash = this.accounts.sessionAuthHash(passwordHash);
    }
    addFlash(req, 'success', message('admin.flash.passwordChanged'));
    res.redirect(303, changeUrlOf('user', user.id));
  }

  /** The user `id`, if the signed-in staff member may change that user (else 403). */
  private async changeableUser(id: string, req: Request) {
    const info = this.site.get('user');
    const permissions = await this.access.of(req);
    permissions.require(info, 'change');
    const user = await this.objects.get(info, id);
    if (!this.site.allowsObject(info, user, permissions.user, 'change')) {
      throw new ForbiddenException(message('admin.errors.mayNotChangeUser'));
    }
    return { info, permissions, user };
  }

  private render(
    req: Request,
    res: Response,
    info: ReturnType<AdminSite['get']>,
    permissions: Awaited<ReturnType<AdminAccess['of']>>,
    user: Record<string, unknown>,
    errors: FieldErrors,
    status = 200,
  ): void {
    renderAdmin(
      res,
      'set_password',
      {
        title: req.t('admin.password.title', { name: String(user.email) }),
        ...this.presenter.modelLocals(info, permissions, req.language),
        object: { id: String(user.id), repr: String(user.email), url: `/admin/user/${String(user.id)}` },
        errors,
      },
      info,
      status,
    );
  }
}
