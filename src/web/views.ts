import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { HelperOptions } from 'handlebars';
import hbs from 'hbs';
import { LRUCache } from 'lru-cache';
import { languageOfTemplate, registerI18nHelpers } from '../i18n/handlebars-i18n';
import { languageOr, type Language } from '../i18n/languages';
import { translateLiteralKeys } from '../i18n/literal-translations';
import { formatDateTime } from '../i18n/translator';
import { VIEWS_DIR } from '../paths';
import { rememberTemplateSetups } from './template-setups';
import { createViewEngine } from './view-engine';

/** Bounds the HTML `remember` holds (~6,000 event cards). */
const REMEMBERED_BYTES = 4 * 1024 * 1024;

/** Helpers available in every template. Keep them few and logic-free. */
function registerHelpers(rememberBlocks: boolean): void {
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
  hbs.registerHelper('remember', rememberHelper(rememberBlocks));
}

/**
 * `{{#remember "name" key=value…}}…{{/remember}}`: the block's HTML, rendered once per name,
 * context (`this`), hash and language, then reused — for a block repeated on a hot page (the
 * list's event cards were half of the home page's render). Exact only if the output depends on
 * nothing else: the block reads `this`, values it was given in the hash (a `@root.past` inside is
 * passed as `past=@root.past`) and pure helpers (`t`, `formatDate`, `eq`…), never the time or the
 * visitor. Off while templates are not cached (development), so an edited block shows at once.
 * Handlebars has no such helper; it is small enough to own.
 */
function rememberHelper(enabled: boolean) {
  const remembered = new LRUCache<string, string>({
    maxSize: REMEMBERED_BYTES,
    sizeCalculation: (html, key) => html.length + key.length,
  });
  // A frozen context cannot change, so its blocks are also found by the object itself, without
  // building its JSON: page data shared between requests (EventsService.firstPageOf).
  const byFrozenContext = new WeakMap<object, Map<string, string>>();
  return function (this: unknown, name: unknown, options: HelperOptions) {
    const frozen = typeof this === 'object' && this !== null && Object.isFrozen(this) ? this : undefined;
    // A whole list is kept only when frozen (found by the object): keyed by its JSON, building
    // and hashing the key would cost about what rendering its (remembered) items does.
    if (!enabled || (!frozen && Array.isArray(this))) return new hbs.handlebars.SafeString(options.fn(this));
    const variant = `${String(name)}\0${languageOfTemplate(options)}\0${JSON.stringify(options.hash)}`;
    let html = frozen && byFrozenContext.get(frozen)?.get(variant);
    if (html === undefined) {
      const key = `${variant}\0${JSON.stringify(this)}`;
      html = remembered.get(key) ?? options.fn(this);
      remembered.set(key, html);
      if (frozen) {
        const blocks = byFrozenContext.get(frozen) ?? new Map<string, string>();
        byFrozenContext.set(frozen, blocks.set(variant, html));
      }
    }
    return new hbs.handlebars.SafeString(html);
  };
}

/**
 * How page templates are compiled: knowing every registered helper, and only those. A mustache
 * such as `{{title}}` then compiles to a property read instead of "a helper of that name, else the
 * property" (and `{{t …}}` to a direct call): ~10 % of a list page's render. A template that calls
 * a helper nobody registered fails to compile (views.spec.ts compiles every view this way).
 * Helpers are all registered at boot, before the first page compiles.
 */
export function pageCompileOptions(): CompileOptions {
  const knownHelpers = Object.fromEntries(Object.keys(hbs.handlebars.helpers).map((name) => [name, true]));
  // preventIndent: a partial on a line of its own is printed as written, not re-indented by the
  // call's indentation (Handlebars splits its output into lines and joins them again, for every
  // partial of every page: ~10 % of an event page's render). Indentation in HTML is for people;
  // inside <pre> or <textarea> the re-indenting changed the content.
  return { knownHelpers, knownHelpersOnly: true, preventIndent: true };
}

/**
 * A page template (or partial) compiled once per language it renders in, its literal `{{t "key"}}`
 * already translated (translateLiteralKeys says why); the language is `@root.lang`, as the `t`
 * helper reads it.
 */
function compilePerLanguage(source: string, options: CompileOptions): HandlebarsTemplateDelegate {
  const byLanguage = new Map<Language, HandlebarsTemplateDelegate>();
  const inLanguage = (language: Language) => {
    let template = byLanguage.get(language);
    if (!template) {
      const program = translateLiteralKeys(hbs.handlebars.parse(source), language);
      template = compileWithDefaults(program, options);
      byLanguage.set(language, template);
    }
    return template;
  };
  return (context: { lang?: unknown } | undefined, runtimeOptions?: RuntimeOptions) => {
    const root = (runtimeOptions?.data as { root?: { lang?: unknown } } | undefined)?.root ?? context;
    return inLanguage(languageOr(root?.lang))(context, runtimeOptions);
  };
}

rememberTemplateSetups(hbs.handlebars);

/** hbs compiles with `handlebars.compile(source)`, no options: its instance's compile adds ours. */
const compileWithDefaults = hbs.handlebars.compile.bind(hbs.handlebars);
// eslint-disable-next-line no-restricted-syntax -- once at start-up: a long-lived function, where the old generation is right
hbs.handlebars.compile = ((input: string | hbs.AST.Program, options?: CompileOptions) => {
  const withDefaults = { ...pageCompileOptions(), ...options };
  return typeof input === 'string'
    ? compilePerLanguage(input, withDefaults)
    : compileWithDefaults(input, withDefaults);
}) as typeof hbs.handlebars.compile;

/**
 * Handlebars from the top-level `views/`: `layout.hbs` wraps every page, `views/partials/*.hbs`
 * are partials by file name, each feature's pages live in `views/<feature>/`. Helpers and partials
 * are registered on hbs' Handlebars instance; pages render through our own engine (view-engine.ts).
 */
export function configureViews(app: NestExpressApplication, cacheTemplates: boolean): void {
  registerHelpers(cacheTemplates);
  const partials = join(VIEWS_DIR, 'partials');
  for (const file of readdirSync(partials).filter((name) => name.endsWith('.hbs'))) {
    // Registered synchronously (hbs.registerPartials is async and races the first request).
    hbs.registerPartial(file.replace(/\.hbs$/, ''), readFileSync(join(partials, file), 'utf8'));
  }
  app.setBaseViewsDir(VIEWS_DIR);
  app.engine('hbs', createViewEngine());
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layout' });
  // Express would cache compiled templates only when process.env.NODE_ENV is 'production'; follow
  // the validated config instead. Development recompiles, so edited views show on the next request.
  app.set('view cache', cacheTemplates);
}
