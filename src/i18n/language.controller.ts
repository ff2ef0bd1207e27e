import { BadRequestException, Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { safeNextPath } from '../accounts/next-url';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { isLanguage, LANGUAGE_COOKIE, LANGUAGE_NAMES, translatorFor, type Language } from './index';

const ONE_YEAR_MS = 365 * 86_400_000;

/**
 * The footer's language switcher (like Django's set_language): POST with a CSRF token sets the
 * `lang` cookie and, for a signed-in member, their profile's language, then goes back. Pages for
 * visitors without a session carry no form token (they stay cacheable and start no session), so
 * their switcher GETs /language, which asks once more with a real form, already in the language
 * chosen. Both work without JavaScript.
 */
@Controller('language')
export class LanguageController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  confirm(@Query('language') language: unknown, @Query('next') next: unknown, @Res() res: Response): void {
    const chosen = this.require(language);
    res.locals.lang = chosen;
    res.render('i18n/language', {
      title: translatorFor(chosen)('language.title'),
      chosen,
      chosenName: LANGUAGE_NAMES[chosen],
      next: safeNextPath(next) ?? '/',
    });
  }

  @Post()
  async choose(
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const chosen = this.require(body.language);
    res.cookie(LANGUAGE_COOKIE, chosen, {
      maxAge: ONE_YEAR_MS,
      sameSite: 'lax',
      secure: this.config.isProduction,
      httpOnly: true,
      path: '/',
    });
    if (req.user) await this.prisma.user.update({ where: { id: req.user.id }, data: { language: chosen } });
    res.redirect(303, safeNextPath(body.next) ?? '/');
  }

  private require(language: unknown): Language {
    if (!isLanguage(language)) {
      throw new BadRequestException({
        message: 'language.unknown',
        errors: { language: ['language.invalid'] },
      });
    }
    return language;
  }
}
