import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PROJECT_ROOT } from '../paths';
import { RequestProfile, requestProfiles } from './request-profile';
import { ToolbarView, type ToolbarUser } from './toolbar-view';

export const TOOLBAR_ASSET_PREFIX = '/static/debug-toolbar/';
/** Read from the source tree: the toolbar exists for development, so dist/ never carries it. */
const ASSETS_DIR = join(PROJECT_ROOT, 'src', 'debug-toolbar', 'assets');
const ASSETS = new Set(['toolbar.css', 'toolbar.js']);

type RenderCallback = (error: Error | null, html?: string) => void;
type Render = (view: string, options?: object | RenderCallback, callback?: RenderCallback) => void;

/**
 * Profiles every request and, when a page is rendered with Handlebars, appends the toolbar before
 * `</body>`. Also serves the toolbar's own CSS and JS (no inline script or style: the CSP forbids
 * them).
 */
@Injectable()
export class DebugToolbarMiddleware implements NestMiddleware {
  private readonly view = new ToolbarView();

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.path.startsWith(TOOLBAR_ASSET_PREFIX)) {
      const name = req.path.slice(TOOLBAR_ASSET_PREFIX.length);
      if (ASSETS.has(name)) return res.sendFile(join(ASSETS_DIR, name));
      return next();
    }
    const profile = new RequestProfile();
    this.instrumentRender(req, res, profile);
    requestProfiles.run(profile, next);
  }

  private instrumentRender(req: Request, res: Response, profile: RequestProfile): void {
    const render = res.render.bind(res) as Render;
    const instrumented: Render = (view, options, callback) => {
      const done = typeof options === 'function' ? options : callback;
      const locals = typeof options === 'function' ? {} : (options ?? {});
      const started = performance.now();
      render(view, locals, (error, html) => {
        profile.renders.push({ view, durationMs: performance.now() - started });
        // A caller with its own callback gets the page untouched, as with express's render.
        if (done) return done(error, html);
        if (error || html === undefined) return req.next?.(error ?? undefined);
        const toolbar = this.view.render(profile, {
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          user: (req as Request & { user?: ToolbarUser }).user,
        });
        res.send(this.view.inject(html, toolbar));
      });
    };
    res.render = instrumented as Response['render'];
  }
}
