import { Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../config/app-config';
import { LANGUAGES, languageOr, type Language } from '../i18n/languages';
import { UnsubscribeLinks } from './mail-lists';
import { MAIL_PREVIEWS } from './mail-previews';
import { MailTemplates, type RenderedEmail } from './mail-templates';
import { qrCodeImage } from './mail.processor';

interface Preview extends RenderedEmail {
  name: string;
  headers: Array<[string, string]>;
}

/**
 * Development preview of every e-mail (like Rails' mailer previews): /dev/emails lists the
 * templates, /dev/emails/<name> shows the subject, headers, HTML (in a frame) and text rendered
 * from the sample contexts in mail-previews.ts. Never in production: a 404 there.
 */
@Controller('dev/emails')
export class MailPreviewsController {
  constructor(
    private readonly config: AppConfig,
    private readonly templates: MailTemplates,
    private readonly unsubscribeLinks: UnsubscribeLinks,
  ) {}

  @Get()
  index(@Res() res: Response): void {
    this.requireDevelopment();
    const previews = this.templates
      .names()
      .map((name) => ({ name, sample: Object.hasOwn(MAIL_PREVIEWS, name) }));
    res.render('mail/previews', { title: 'E-mail previews', previews });
  }

  /** `?lang=uk`: in another language (English by default). */
  @Get(':name')
  show(@Param('name') name: string, @Query('lang') lang: unknown, @Res() res: Response): void {
    const language = languageOr(lang);
    res.render('mail/preview', {
      title: `E-mail preview: ${name}`,
      preview: this.preview(name, language),
      language,
      languages: LANGUAGES,
    });
  }

  /** The HTML part alone, for the preview's frame. */
  @Get(':name/html')
  async html(@Param('name') name: string, @Query('lang') lang: unknown, @Res() res: Response): Promise<void> {
    const preview = this.preview(name, languageOr(lang));
    // A sent message carries its QR codes as attachments named by cid:, which a page cannot show.
    let html = preview.html;
    for (const image of await Promise.all(preview.qrCodes.map(qrCodeImage))) {
      html = html.replaceAll(
        `cid:${image.cid}`,
        `data:${image.contentType};base64,${image.content.toString('base64')}`,
      );
    }
    res.type('html').send(html);
  }

  private preview(name: string, language: Language): Preview {
    this.requireDevelopment();
    if (!this.templates.exists(name)) throw new NotFoundException(`No e-mail template "${name}"`);
    const context = Object.hasOwn(MAIL_PREVIEWS, name) ? MAIL_PREVIEWS[name] : {};
    const unsubscribe = this.unsubscribeLinks.forMessage(name, context);
    const rendered = this.templates.render(name, {
      ...context,
      lang: language,
      ...(unsubscribe && { unsubscribeUrl: unsubscribe.url }),
    });
    return { name, ...rendered, headers: unsubscribe?.headers ?? [] };
  }

  private requireDevelopment(): void {
    if (this.config.isProduction) throw new NotFoundException();
  }
}
