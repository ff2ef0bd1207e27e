import { Module } from '@nestjs/common';
import { LanguageController } from './language.controller';

/**
 * Translations for the web: the language switcher's routes. The catalogues, the translator and the
 * Handlebars helpers are plain modules (src/i18n/*.ts) that the worker's e-mails use too.
 */
@Module({ controllers: [LanguageController] })
export class I18nModule {}
