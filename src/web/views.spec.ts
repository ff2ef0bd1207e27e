import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { LANGUAGES } from '../i18n/languages';
import { VIEWS_DIR } from '../paths';
import { configureViews, pageCompileOptions } from './views';

/** Just what configureViews calls on the Nest application. */
function fakeApp(): NestExpressApplication {
  const app = { setBaseViewsDir: () => app, engine: () => app, setViewEngine: () => app, set: () => app };
  return app as unknown as NestExpressApplication;
}

function templatesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templatesUnder(join(dir, entry.name))
      : entry.name.endsWith('.hbs')
        ? [join(dir, entry.name)]
        : [],
  );
}

// The e-mails are compiled by MailTemplates, with helpers of their own.
const pages = () =>
  templatesUnder(VIEWS_DIR).filter((file) => !relative(VIEWS_DIR, file).startsWith('emails'));

describe('page templates (views.ts)', () => {
  beforeAll(() => configureViews(fakeApp(), true));

  it('every page template compiles knowing only the registered helpers', () => {
    expect(pages().length).toBeGreaterThan(40);
    for (const file of pages()) {
      expect(() => hbs.handlebars.precompile(readFileSync(file, 'utf8'), pageCompileOptions())).not.toThrow();
    }
  });

  it('compiles pages with knownHelpersOnly: a helper nobody registered is an error, a property is read as one', () => {
    expect(() => hbs.handlebars.compile('{{nobodyRegisteredThis 1}}')({})).toThrow(
      /unknown helper nobodyRegisteredThis/,
    );
    expect(hbs.handlebars.compile('<b>{{title}}</b>')({ title: 'A & B' })).toBe('<b>A &amp; B</b>');
  });

  it('prints a partial on a line of its own as written, not re-indented (preventIndent)', () => {
    hbs.registerPartial('indent-probe', '<pre>a\nb</pre>\n');
    // Re-indented, the second line of the <pre> would read "  b".
    expect(hbs.handlebars.compile('<div>\n  {{> indent-probe}}\n</div>')({})).toBe(
      '<div>\n  <pre>a\nb</pre>\n</div>',
    );
  });

  describe('literal {{t "key"}}, translated when compiled', () => {
    it('prints what the helper prints, escaped or not, in every language, without calling it', () => {
      const t = hbs.handlebars.helpers.t;
      let calls = 0;
      hbs.registerHelper('t', function (this: unknown, ...args: unknown[]) {
        calls++;
        return t.apply(this, args as Parameters<typeof t>);
      });
      try {
        const template = hbs.handlebars.compile(
          '<a title="{{t "events.list.full"}}">{{~t "nav.events"~}} </a>{{t "events.show.attendeesAndTools"}}|{{{t "events.show.attendeesAndTools"}}}|{{t "events.list.page" page=2}}',
        );
        expect(template({ lang: 'en' })).toBe(
          '<a title="full (waitlist open)">Events</a>Attendees &amp; tools|Attendees & tools|Page 2',
        );
        expect(template({ lang: 'uk' })).toBe(
          '<a title="місць немає (відкрито список очікування)">Події</a>Учасники й інструменти|Учасники й інструменти|Сторінка 2',
        );
        // Only the call with a parameter is left, once per render.
        expect(calls).toBe(2);
        // In a partial, the page's language (`@root.lang`) decides.
        hbs.registerPartial('literal-t-probe', '<small>{{t "nav.events"}}</small>');
        expect(
          hbs.handlebars.compile('{{#each items}}{{> literal-t-probe}}{{/each}}')({ lang: 'ru', items: [1] }),
        ).toBe('<small>События</small>');
      } finally {
        hbs.registerHelper('t', t);
      }
    });

    it('renders every page template and partial exactly as compiled without it', () => {
      for (const file of pages()) {
        const source = readFileSync(file, 'utf8');
        for (const lang of LANGUAGES) {
          // A parsed template is compiled as it is written.
          const asWritten = hbs.handlebars.compile(hbs.handlebars.parse(source));
          expect(hbs.handlebars.compile(source)({ lang })).toBe(asWritten({ lang }));
        }
      }
    });
  });

  describe('{{#remember}}', () => {
    let renders = 0;
    beforeAll(() => hbs.registerHelper('countRender', () => String(++renders)));
    beforeEach(() => (renders = 0));
    const card = () =>
      hbs.handlebars.compile(
        '{{#each cards}}{{#remember "card" past=@root.past}}[{{title}} {{countRender}} {{t "events.list.full"}}{{#if @root.past}} past{{/if}}]{{/remember}}{{/each}}',
      );

    it('renders a block once per context, hash, name and language, then reuses its HTML', () => {
      const template = card();
      const cards = [{ title: 'Jazz' }, { title: 'Pottery' }];
      expect(template({ cards, lang: 'en' })).toBe(
        '[Jazz 1 full (waitlist open)][Pottery 2 full (waitlist open)]',
      );
      expect(template({ cards: [{ title: 'Jazz' }, { title: 'Pottery' }], lang: 'en' })).toBe(
        '[Jazz 1 full (waitlist open)][Pottery 2 full (waitlist open)]',
      );
      expect(renders).toBe(2);
      // Any input that differs is rendered anew: the context, a hash value, the language.
      expect(template({ cards: [{ title: 'Jazz!' }], lang: 'en' })).toBe('[Jazz! 3 full (waitlist open)]');
      expect(template({ cards: [{ title: 'Jazz' }], lang: 'en', past: true })).toBe(
        '[Jazz 4 full (waitlist open) past]',
      );
      expect(template({ cards: [{ title: 'Jazz' }], lang: 'uk' })).toBe(
        '[Jazz 5 місць немає (відкрито список очікування)]',
      );
      expect(renders).toBe(5);
    });

    it('finds the block of a frozen context by the object itself, without its JSON', () => {
      let reads = 0;
      const event = Object.freeze({
        get title() {
          reads++;
          return 'Frozen jazz';
        },
      });
      const template = card();
      expect(template({ cards: [event], lang: 'en' })).toBe('[Frozen jazz 1 full (waitlist open)]');
      const readsToRender = reads;
      expect(template({ cards: [event], lang: 'en' })).toBe('[Frozen jazz 1 full (waitlist open)]');
      // Neither rendered nor stringified again; another language or hash is another block.
      expect(reads).toBe(readsToRender);
      expect(template({ cards: [event], lang: 'uk' })).toContain('[Frozen jazz 2 ');
    });

    it("reuses a frozen first page's whole list on the home page: no card's block is looked up again", () => {
      const template = hbs.handlebars.compile(readFileSync(join(VIEWS_DIR, 'events/index.hbs'), 'utf8'));
      const events = Object.freeze(
        Array.from({ length: 20 }, (_, i) =>
          Object.freeze({
            url: `/events/${i}`,
            title: `Event ${i}`,
            goingCount: i,
            startsAtIso: '2027-03-14T11:00:00.000Z',
            timeZone: 'UTC',
          }),
        ),
      );
      const page = {
        lang: 'en',
        heading: 'Upcoming events',
        events,
        categories: [],
        whenChoices: [],
        filters: {},
      };
      const remember = hbs.handlebars.helpers.remember;
      let blocks = 0;
      hbs.registerHelper('remember', function (this: unknown, ...args: unknown[]) {
        blocks++;
        return (remember as (...values: unknown[]) => unknown).apply(this, args);
      });
      try {
        const html = template(page);
        expect(html).toContain('<strong>Event 19</strong>');
        blocks = 0;
        expect(template({ ...page })).toBe(html);
        expect(blocks).toBe(1);
        // A list that is not frozen (a search, a later page) is not kept whole, only its cards.
        expect(template({ ...page, events: [...events] })).toBe(html);
        blocks = 0;
        expect(template({ ...page, events: [...events] })).toBe(html);
        expect(blocks).toBe(21);
      } finally {
        hbs.registerHelper('remember', remember);
      }
    });

    it('escapes what it reuses as Handlebars would', () => {
      const html = card()({ cards: [{ title: '<script>' }], lang: 'en' });
      expect(html).toContain('&lt;script&gt;');
      expect(card()({ cards: [{ title: '<script>' }], lang: 'en' })).toBe(html);
    });

    it('renders every time while templates are not cached (development)', () => {
      configureViews(fakeApp(), false);
      try {
        const template = card();
        template({ cards: [{ title: 'Jazz' }], lang: 'en' });
        template({ cards: [{ title: 'Jazz' }], lang: 'en' });
        expect(renders).toBe(2);
      } finally {
        configureViews(fakeApp(), true);
      }
    });
  });
});
