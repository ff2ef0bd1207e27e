import { Controller, Get, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { UnsubscribeLinks } from '../mail/mail-lists';
import { CsrfExempt } from './auth.decorators';
import { EmailPreferencesService } from './email-preferences.service';
import { renderPage } from './render';

/**
 * The signed unsubscribe links of announcements and reminders (UnsubscribeLinks): they work without
 * signing in, for the one member and list they were signed for. GET only shows a page with a
 * button (mail scanners and link previews fetch links; they must not unsubscribe anyone); POST
 * unsubscribes, both from that button and from a mail client's RFC 8058 one-click request.
 */
@Controller('email/unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly links: UnsubscribeLinks,
    private readonly preferences: EmailPreferencesService,
  ) {}

  @Get(':token')
  confirm(@Param('token') token: string, @Res() res: Response): void {
    const signed = this.links.verify(token);
    if (!signed) return this.invalid(res);
    renderPage(res, 'accounts/unsubscribe', {
      title: 'accounts.unsubscribe.title',
      token,
      question: `accounts.unsubscribe.ask.${signed.list}`,
    });
  }

  /**
   * Exempt from CSRF on purpose: a mail client's one-click POST (`List-Unsubscribe=One-Click`,
   * RFC 8058) comes from no page of ours and carries no session and no form token. The signed token
   * in the URL is what authorises it, and all it can do is turn one list off for one member, which
   * is what a forged request could at worst do too.
   */
  @CsrfExempt()
  @Post(':token')
  async unsubscribe(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const signed = this.links.verify(token);
    if (!signed || !(await this.preferences.unsubscribe(signed.userId, signed.list))) {
      return this.invalid(res);
    }
    renderPage(res, 'accounts/unsubscribed', {
      title: 'accounts.unsubscribed.title',
      done: `accounts.unsubscribed.done.${signed.list}`,
    });
  }

  private invalid(res: Response): void {
    renderPage(
      res,
      'accounts/unsubscribe',
      { title: 'accounts.unsubscribe.invalidTitle', invalid: true },
      400,
    );
  }
}
