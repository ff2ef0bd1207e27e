import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { createViewEngine, type ViewRenderOptions } from './view-engine';

describe('view engine (view-engine.ts)', () => {
  let views: string;
  const settings = () => ({ views, 'view options': { layout: 'layout' } });
  const render = (engine: ReturnType<typeof createViewEngine>, page: string, options: ViewRenderOptions) =>
    new Promise<string>((resolve, reject) =>
      engine(join(views, page), options, (error, html) => (error ? reject(error) : resolve(html!))),
    );

  beforeEach(() => {
    views = mkdtempSync(join(tmpdir(), 'views-'));
    mkdirSync(join(views, 'admin'));
    writeFileSync(join(views, 'layout.hbs'), '<main>{{{body}}}</main>{{title}}');
    writeFileSync(join(views, 'admin', 'layout.hbs'), '<admin>{{{body}}}</admin>');
    writeFileSync(join(views, 'page.hbs'), '<h1>{{title}}</h1>');
  });

  it('renders the page inside the layout of the view options, both with the same locals', async () => {
    const html = await render(createViewEngine(Handlebars), 'page.hbs', {
      settings: settings(),
      title: 'A & B',
    });
    expect(html).toBe('<main><h1>A &amp; B</h1></main>A &amp; B');
  });

  it("takes the render's own layout, a path under the views directory, or none for layout: false", async () => {
    const engine = createViewEngine(Handlebars);
    expect(
      await render(engine, 'page.hbs', { settings: settings(), layout: 'admin/layout', title: 'x' }),
    ).toBe('<admin><h1>x</h1></admin>');
    expect(await render(engine, 'page.hbs', { settings: settings(), layout: false, title: 'x' })).toBe(
      '<h1>x</h1>',
    );
  });

  it('keeps compiled templates while cache is on and reads them again when it is off', async () => {
    const engine = createViewEngine(Handlebars);
    await render(engine, 'page.hbs', { settings: settings(), cache: true, title: 'x' });
    writeFileSync(join(views, 'page.hbs'), '<h2>{{title}}</h2>');
    expect(await render(engine, 'page.hbs', { settings: settings(), cache: true, title: 'x' })).toBe(
      '<main><h1>x</h1></main>x',
    );
    expect(await render(engine, 'page.hbs', { settings: settings(), cache: false, title: 'x' })).toBe(
      '<main><h2>x</h2></main>x',
    );
  });

  it('reads getters from prototypes, as hbs let pages do', async () => {
    writeFileSync(join(views, 'page.hbs'), '{{row.label}}');
    class Row {
      get label() {
        return 'from the prototype';
      }
    }
    const html = await render(createViewEngine(Handlebars), 'page.hbs', {
      settings: settings(),
      layout: false,
      row: new Row(),
    });
    expect(html).toBe('from the prototype');
  });

  it('names the template that failed', async () => {
    writeFileSync(join(views, 'layout.hbs'), '{{#if}}');
    await expect(render(createViewEngine(Handlebars), 'page.hbs', { settings: settings() })).rejects.toThrow(
      `${join(views, 'layout.hbs')}: `,
    );
  });
});
