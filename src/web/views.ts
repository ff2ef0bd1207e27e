import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HelperOptions } from 'handlebars';
import hbs from 'hbs';
import { languageOfTemplate, registerI18nHelpers } from '../i18n/handlebars-i18n';
import { formatDateTime } from '../i18n/translator';
import { VIEWS_DIR } from '../paths';

/** Helpers available in every template. Keep them few and logic-free. */
function registerHelpers(): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{#if (or a b)}}: the last argument is Handlebars' options object.
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('year', () => new Date().getFullYear());
  hbs.registerHelper('isoDate', (value: Date | string | undefined) =>
    value ? new Date(value).toISOString() : '',
  );
  // For people, in the page's language: "1 Dec 2026, 11:26 UTC", "1 груд. 2026 р., 11:26 UTC"
  // (pair it with <time datetime="{{isoDate …}}">).
  hbs.registerHelper('displayDate', (value: Date | string | undefined, options: HelperOptions) =>
    value ? `${formatDateTime(value, languageOfTemplate(options))} UTC` : '',
  );
  // t, tm, formatDate, eventDate, number (src/i18n/handlebars-i18n.ts).
  registerI18nHelpers(hbs.handlebars);
}

/**
 * Handlebars from the top-level `views/`: `layout.hbs` wraps every page, `views/partials/*.hbs`
 * are partials by file name, each feature's pages live in `views/<feature>/`.
 */
export function configureViews(app: NestExpressApplication, cacheTemplates: boolean): void {
  registerHelpers();
  const partials = join(VIEWS_DIR, 'partials');
  for (const file of readdirSync(partials).filter((name) => name.endsWith('.hbs'))) {
    // Registered synchronously (hbs.registerPartials is async and races the first request).
    hbs.registerPartial(file.replace(/\.hbs$/, ''), readFileSync(join(partials, file), 'utf8'));
  }
  app.setBaseViewsDir(VIEWS_DIR);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layout' });
  // Express would cache compiled templates only when process.env.NODE_ENV is 'production'; follow
  // the validated config instead. Development recompiles, so edited views show on the next request.
  app.set('view cache', cacheTemplates);
}
