import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { VIEWS_DIR } from '../paths';

const DISPLAY_DATE = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** Helpers available in every template. Keep them few and logic-free. */
function registerHelpers(): void {
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // {{#if (or a b)}}: the last argument is Handlebars' options object.
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('year', () => new Date().getFullYear());
  hbs.registerHelper('isoDate', (value: Date | string | undefined) =>
    value ? new Date(value).toISOString() : '',
  );
  // For people: "1 Dec 2026, 11:26 UTC" (pair it with <time datetime="{{isoDate …}}">).
  hbs.registerHelper('displayDate', (value: Date | string | undefined) =>
    value ? `${DISPLAY_DATE.format(new Date(value))} UTC` : '',
  );
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
