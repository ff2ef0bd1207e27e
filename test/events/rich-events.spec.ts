import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  browser,
  expectStatus,
  logIn,
  signUpVerified,
  submit,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
import { startWebApp } from '../support/web-app';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

export function eventForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'Rich event',
    description: '',
    location: 'Town hall',
    startsAt: inDays(10),
    endsAt: inDays(10.1),
    capacity: '20',
    ...overrides,
  };
}

async function createEvent(agent: Agent, overrides: Record<string, string> = {}): Promise<number> {
  const response = expectStatus(await submit(agent, '/events/new', eventForm(overrides)), 303);
  return Number(/^\/events\/(\d+)$/.exec(response.headers.location)![1]);
}

/** The rendered description block of an event page. */
function descriptionOf(html: string): string {
  return /<div class="event-description">([\s\S]*?)<\/div>\n/.exec(html)?.[1] ?? '';
}

describe('richer events: Markdown descriptions, times (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;
  let organizer: Agent;

  beforeAll(async () => {
    app = await startWebApp();
    organizer = browser(app);
    expectStatus(await logIn(organizer, await signUpVerified(organizer, uniqueEmail('rich'))), 303);
  });
  afterAll(async () => {
    await app.close();
  });

  it('renders the description as Markdown, with auto-linked URLs marked as user content', async () => {
    const id = await createEvent(organizer, {
      description: [
        '# Programme',
        '',
        '**Bring** a *friend*:',
        '',
        '- tea',
        '- cake',
        '',
        'Details at https://example.com/info?x=1 or www.example.org, [the map](https://maps.example.com/hall).',
      ].join('\n'),
    });
    const html = descriptionOf((await organizer.get(`/events/${id}`).expect(200)).text);
    expect(html).toContain('<h1>Programme</h1>');
    expect(html).toContain('<strong>Bring</strong> a <em>friend</em>');
    expect(html).toContain('<li>tea</li>');
    expect(html).toContain(
      '<a href="https://example.com/info?x=1" rel="noopener nofollow ugc">https://example.com/info?x=1</a>',
    );
    expect(html).toContain(
      '<a href="http://www.example.org" rel="noopener nofollow ugc">www.example.org</a>',
    );
    expect(html).toContain('<a href="https://maps.example.com/hall" rel="noopener nofollow ugc">the map</a>');
  });

  it('lets no raw HTML, script or javascript: link through; the source is kept for editing', async () => {
    const source = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(2)">',
      '<a href="https://example.com" onclick="alert(3)">raw link</a>',
      '[click](javascript:alert(4)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox)',
      '[spaced](  JaVaScRiPt:alert(5))',
      '<iframe src="https://evil.example"></iframe>',
    ].join('\n\n');
    const id = await createEvent(organizer, { description: source });
    const page = (await organizer.get(`/events/${id}`).expect(200)).text;
    const html = descriptionOf(page);
    // Tags that were typed stay text; no real tag is a script, image or frame, or has a handler.
    expect(html).not.toMatch(/<(script|img|iframe)\b/i);
    for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) expect(tag).not.toMatch(/\son\w+=/i);
    expect(html).not.toMatch(/href="\s*(javascript|data|vbscript):/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Every link that survives is marked, and none carries other attributes.
    for (const [anchor] of html.matchAll(/<a [^>]*>/g)) {
      expect(anchor).toMatch(/^<a href="(https?|mailto):[^"]*" rel="noopener nofollow ugc">$/);
    }
    const edit = (await organizer.get(`/events/${id}/edit`).expect(200)).text;
    expect(edit).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(edit).toContain('[click](javascript:alert(4))');
  });

  it('shows the time range once with its zone, naming an IANA zone but never “UTC (UTC time)”', async () => {
    const utc = await createEvent(organizer, { startsAt: '2031-03-04T19:00', endsAt: '2031-03-04T22:30' });
    const utcPage = (await request(app.getHttpServer()).get(`/events/${utc}`).expect(200)).text;
    expect(utcPage).toContain('Tue, 4 Mar 2031, 19:00–22:30 UTC</time>');
    expect(utcPage).not.toContain('UTC time');
    const ny = await createEvent(organizer, {
      timeZone: 'America/New_York',
      startsAt: '2031-03-04T19:00',
      endsAt: '2031-03-05T01:00',
    });
    const nyPage = (await request(app.getHttpServer()).get(`/events/${ny}`).expect(200)).text;
    expect(nyPage).toMatch(
      /data-event-zone="America\/New_York" data-ends="2031-03-05T06:00:00.000Z">Tue, 4 Mar 2031, 19:00 (EST|GMT-5)\u2009–\u2009Wed, 5 Mar 2031, 01:00 (EST|GMT-5)<\/time> <small>\(America\/New_York time\)<\/small>/,
    );
    // The viewer's own zone is added in their browser (browser.spec): the script is on the page,
    // told the page's locale and label.
    expect(nyPage).toContain(
      '<script src="/static/js/local-time.js" defer data-locale="en-GB" data-label="Your time:"></script>',
    );
  });
});
