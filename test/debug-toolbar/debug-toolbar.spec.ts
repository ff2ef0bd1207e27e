import { Controller, Get, Inject, Module, Query, Render, Req } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Cache } from 'cache-manager';
import type { Request } from 'express';
import request from 'supertest';
import { listening } from '../support/web-app';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import { debugToolbarEnabled } from '../../src/debug-toolbar/debug-toolbar.config';
import { PrismaService } from '../../src/prisma/prisma.service';
import { createWebApp } from '../../src/web/web-app';

/** A page that does what real pages do: SQL (one statement twice), cache reads, a template. */
@Controller('toolbar-probe')
class ProbeController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  @Get()
  // A foundation template every build has (feature pages come and go).
  @Render('errors/404')
  async page(@Req() req: Request, @Query('as') as?: string) {
    await this.prisma.user.count();
    await this.prisma.user.findFirst({ where: { email: 'first@example.com' } });
    await this.prisma.user.findFirst({ where: { email: 'second@example.com' } });
    const key = `toolbar-probe:${Date.now()}:${Math.random()}`;
    await this.cache.get(key);
    await this.cache.set(key, 'cached');
    await this.cache.get(key);
    // What the accounts module's session middleware leaves on the request after a log-in.
    if (as) Object.assign(req, { user: { id: 7, email: as, isStaff: true, isSuperuser: false } });
    return { title: 'Probe' };
  }

  @Get('json')
  json() {
    return { ok: true };
  }
}

async function startApp(env: Record<string, string>): Promise<NestExpressApplication> {
  const config = loadConfig({ ...process.env, ...env });
  @Module({ imports: [AppModule.forRoot(config)], controllers: [ProbeController] })
  class ProbeRootModule {}
  return listening(await createWebApp(config, { module: ProbeRootModule }));
}

describe('debug toolbar', () => {
  describe('when enabled (DEBUG_TOOLBAR=true outside production)', () => {
    let app: NestExpressApplication;
    beforeAll(async () => {
      app = await startApp({ DEBUG_TOOLBAR: 'true' });
    });
    afterAll(() => app.close());

    it('shows request time, each SQL query, repeated queries, cache hits/misses, render time, user', async () => {
      const res = await request(app.getHttpServer())
        .get('/toolbar-probe?as=dev@example.com')
        .accept('html')
        .expect(200);
      const html = res.text;
      expect(html).toContain('id="debug-toolbar"');
      const toolbar = html.slice(html.indexOf('id="debug-toolbar"'));
      expect(toolbar.indexOf('</details>')).toBeLessThan(toolbar.indexOf('</body>'));
      expect(toolbar).toMatch(/GET \/toolbar-probe\?as(=|&#x3D;)dev@example.com<\/code> → 200/);
      expect(toolbar).toMatch(/SQL: 3 in [\d.]+ ms/);
      expect(toolbar).toContain('COUNT(*)');
      expect((toolbar.match(/<li class="dt-repeated">/g) ?? []).length).toBe(2);
      expect(toolbar).toMatch(/data-repeated-query>⚠ Ran 2 times/);
      expect(toolbar).toContain('first@example.com');
      expect(toolbar).toMatch(/Cache: 1 hits, 1 misses/);
      expect(toolbar).toMatch(/Templates: [\d.]+ ms/);
      expect(toolbar).toContain('<code>errors/404</code>');
      expect(toolbar).toContain('#7 dev@example.com (staff)');
    });

    it('shows "anonymous" without a session user', async () => {
      const res = await request(app.getHttpServer()).get('/toolbar-probe').expect(200);
      expect(res.text).toMatch(/<dt>User<\/dt>\s*<dd>anonymous<\/dd>/);
    });

    it('keeps to the CSP: no inline script or style; its assets come from /static', async () => {
      const res = await request(app.getHttpServer()).get('/toolbar-probe').expect(200);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      const toolbar = res.text.slice(res.text.indexOf('<link rel="stylesheet" href="/static/debug-toolbar'));
      expect(toolbar).not.toMatch(/<script(?![^>]*\ssrc=)/);
      expect(toolbar).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      const js = await request(app.getHttpServer()).get('/static/debug-toolbar/toolbar.js').expect(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
      const css = await request(app.getHttpServer()).get('/static/debug-toolbar/toolbar.css').expect(200);
      expect(css.headers['content-type']).toMatch(/text\/css/);
      await request(app.getHttpServer()).get('/static/debug-toolbar/../../app.module.ts').expect(404);
    });

    it('is collapsible without JavaScript (a <details> element)', async () => {
      const res = await request(app.getHttpServer()).get('/').expect(200);
      expect(res.text).toMatch(/<details id="debug-toolbar"[^>]*>\s*<summary>/);
    });

    it('leaves JSON responses alone', async () => {
      const res = await request(app.getHttpServer()).get('/toolbar-probe/json').expect(200);
      expect(res.body).toEqual({ ok: true });
      expect(res.text).not.toContain('debug-toolbar');
    });
  });

  it('is on by default in development only', () => {
    const at = (env: Record<string, string>) => debugToolbarEnabled(loadConfig({ ...process.env, ...env }));
    expect(at({ NODE_ENV: 'development' })).toBe(true);
    expect(at({ NODE_ENV: 'development', DEBUG_TOOLBAR: 'false' })).toBe(false);
    expect(at({ NODE_ENV: 'test' })).toBe(false);
    expect(at({ NODE_ENV: 'test', DEBUG_TOOLBAR: 'true' })).toBe(true);
    expect(at({ NODE_ENV: 'production', DEBUG_TOOLBAR: 'true' })).toBe(false);
  });

  it.each([
    ['test (default)', { NODE_ENV: 'test' }],
    ['production, even with DEBUG_TOOLBAR=true', { NODE_ENV: 'production', DEBUG_TOOLBAR: 'true' }],
  ])('is absent in %s: no panel, no assets', async (_name, env) => {
    const app = await startApp(env);
    try {
      const page = await request(app.getHttpServer()).get('/toolbar-probe').expect(200);
      expect(page.text).toContain('</body>');
      expect(page.text).not.toContain('debug-toolbar');
      await request(app.getHttpServer()).get('/static/debug-toolbar/toolbar.js').expect(404);
    } finally {
      await app.close();
    }
  });
});
