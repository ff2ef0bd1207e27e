import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { RuntimeOptions } from 'handlebars';
import hbs from 'hbs';

/** What Express hands a view engine: the merged locals, plus its settings and the `cache` flag. */
export interface ViewRenderOptions extends Record<string, unknown> {
  cache?: boolean;
  /** `false` renders the page alone; a path under `views/` picks another layout. */
  layout?: string | false;
  settings?: { views?: string | string[]; 'view options'?: { layout?: string | false } };
}

type RenderCallback = (error: Error | null, html?: string) => void;

/**
 * As hbs rendered them: a page's getters and methods from its prototypes are readable (Prisma's
 * `Decimal`, a `Date`), so views written for hbs read the same. One frozen object for every render:
 * Handlebars' setup for it is then done once per template (template-setups.ts).
 */
const RUNTIME: RuntimeOptions = Object.freeze({
  allowProtoMethodsByDefault: true,
  allowProtoPropertiesByDefault: true,
});

/**
 * The Express view engine for `.hbs` pages: the page, then its layout around it as `{{{body}}}`.
 * What hbs's Express middleware did, minus what it did on every render and we never use (a waiter
 * for async helpers, the layout's path built and looked up again, a runtime-options object): ~2 %
 * of an uncached event page's CPU. Same rules for the layout: the render's `layout` (`false` for
 * none), else the `view options` setting's, a path under the views directory with the page's
 * extension. Compiled templates are kept while `cache` is on (Express sets it from `view cache`);
 * a template is read synchronously the first time only then (every render in development).
 */
export function createViewEngine(handlebars: typeof hbs.handlebars = hbs.handlebars) {
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  const templateAt = (file: string, cache: boolean | undefined): HandlebarsTemplateDelegate => {
    let template = cache ? compiled.get(file) : undefined;
    if (!template) {
      template = handlebars.compile(readFileSync(file, 'utf8'));
      if (cache) compiled.set(file, template);
    }
    return template;
  };
  const layoutFileOf = (page: string, options: ViewRenderOptions): string | undefined => {
    const layout = options.layout !== undefined ? options.layout : options.settings?.['view options']?.layout;
    if (layout === false || layout === '') return undefined;
    const views = options.settings?.views;
    const dir = Array.isArray(views) ? views[0] : views;
    const file = join(dir ?? '.', layout ?? 'layout');
    return extname(file) ? file : `${file}${extname(page)}`;
  };

  return function renderView(file: string, options: ViewRenderOptions, callback: RenderCallback): void {
    let current = file;
    let html: string;
    try {
      html = templateAt(file, options.cache)(options, RUNTIME);
      const layout = layoutFileOf(file, options);
      if (layout) {
        current = layout;
        options.body = html;
        html = templateAt(layout, options.cache)(options, RUNTIME);
      }
    } catch (error) {
      // As hbs did: say which template failed.
      const failure = error instanceof Error ? error : new Error(String(error));
      failure.message = `${current}: ${failure.message}`;
      return callback(failure);
    }
    callback(null, html);
  };
}
