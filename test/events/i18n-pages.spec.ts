import type { NestExpressApplication } from '@nestjs/platform-express';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import request from 'supertest';
import { EventsCache } from '../../src/events/events.cache';
import { browser, csrfFrom, expectStatus, logIn, sql, uniqueEmail, type Agent } from '../accounts/support';
import { createUser } from '../admin/support';
import { startWebApp } from '../support/web-app';

/**
 * The member-facing event pages in Ukrainian and Russian (issue 19): texts, plurals, flash
 * messages, and event times formatted in the reader's language, also when the page data or the
 * whole page comes from the cache (one copy of the data for every language, one page per language).
 */

// Wednesday 15 January 2031, 19:00–21:00 UTC: every language's format is known exactly.
const STARTS = '2031-01-15T19:00:00Z';
const ENDS = '2031-01-15T21:00:00Z';
const WHEN = {
  en: /Wed, 15 Jan 2031, 19:00\s*–\s*21:00 UTC/,
  // ICU puts a narrow no-break space before "р." / "г." in a range.
  uk: /ср, 15 січ\. 2031\sр\., 19:00\s*–\s*21:00 UTC/,
  ru: /ср, 15 янв\. 2031\sг\., 19:00\s*–\s*21:00 UTC/,
};
const STARTS_TEXT = {
  en: 'Wed, 15 Jan 2031, 19:00 UTC',
  uk: 'ср, 15 січ. 2031 р., 19:00 UTC',
  ru: 'ср, 15 янв. 2031 г., 19:00 UTC',
};
type Reader = keyof typeof STARTS_TEXT;

async function insertEvent(organizerId: number, title: string, capacity: number): Promise<number> {
  const [{ id }] = await sql<{ id: number }>(
    `INSERT INTO events (organizer_id, title, description, location, starts_at, ends_at, time_zone, capacity, updated_at)
     VALUES ($1, $2, 'Bring a friend.', 'Kyiv, Podil', $3, $4, 'UTC', $5, now()) RETURNING id`,
    [organizerId, title, STARTS, ENDS, capacity],
  );
  return id;
}

describe('event pages in Ukrainian and Russian (real PostgreSQL, Redis, sessions)', () => {
  let app: NestExpressApplication;
  let organizer: { id: number; email: string };
  let eventId: number;
  // Capacity 1: the first RSVP is going, the next one waitlisted.
  let smallEventId: number;

  beforeAll(async () => {
    app = await startWebApp();
    organizer = await createUser({ email: uniqueEmail('i18n-organizer') });
    eventId = await insertEvent(organizer.id, 'Vinyl evening', 5);
    smallEventId = await insertEvent(organizer.id, 'Tiny concert', 1);
  });
  afterAll(async () => {
    await app?.close();
  });

  const anonymous = (path: string, language?: Reader) => {
    const req = request(app.getHttpServer()).get(path);
    if (language) req.set('Accept-Language', language);
    return req;
  };

  async function member(language: Reader): Promise<Agent> {
    const user = await createUser({ email: uniqueEmail(`i18n-${language}`) });
    await sql('UPDATE users SET language = $1 WHERE id = $2', [language, user.id]);
    const agent = browser(app);
    expectStatus(await logIn(agent, user.email), 303);
    return agent;
  }

  async function rsvp(agent: Agent, id: number): Promise<string> {
    const page = (await agent.get(`/events/${id}`).expect(200)).text;
    const answer = await agent
      .post(`/events/${id}/rsvp`)
      .type('form')
      .send({ _csrf: csrfFrom(page) });
    expectStatus(answer, 303);
    return (await agent.get(answer.headers.location).expect(200)).text;
  }

  it('the home page and an event page read in Ukrainian and Russian, dates in each language', async () => {
    const home = (await anonymous('/', 'uk').expect(200)).text;
    expect(home).toContain('<html lang="uk">');
    expect(home).toContain('<h1>Найближчі події</h1>');
    expect(home).toContain('Знайдіть, чим зайнятися, і запишіться одним кліком.');
    expect(home).toContain('placeholder="Шукати в назві, описі, місці"');
    expect(home).toContain(`>${STARTS_TEXT.uk}</time>`);
    // Plural forms: 0 → "many" in Ukrainian (5 spots left: "місць").
    expect(home).toContain('0 йдуть · лишилося 5 місць');
    expect(home).toContain('лишилося 1 місце');
    expect(home).not.toContain('Jan 2031');
    // The viewer's own time (public/js/local-time.js) in the page's language too.
    expect(home).toContain('data-locale="uk-UA" data-label="Ваш час:"');

    const page = (await anonymous(`/events/${eventId}`, 'uk').expect(200)).text;
    expect(page).toMatch(WHEN.uk);
    expect(page).toContain('Організатор: Test');
    expect(page).toContain('Додати до календаря');
    expect(page).toMatch(/data-testid="going-count">0<\/strong> з 5 йдуть<\/p>/);
    expect(page).toContain('Увійдіть, щоб записатися');

    const russian = (await anonymous(`/events/${eventId}`, 'ru').expect(200)).text;
    expect(russian).toContain('<html lang="ru">');
    expect(russian).toMatch(WHEN.ru);
    expect(russian).toContain('Войдите, чтобы записаться');
    const russianHome = (await anonymous('/events?when=past', 'ru').expect(200)).text;
    expect(russianHome).toContain('<h1>Прошедшие события</h1>');
    expect(russianHome).toContain('Архив: события, которые уже прошли');

    const english = (await anonymous(`/events/${eventId}`).expect(200)).text;
    expect(english).toMatch(WHEN.en);
    expect(english).toContain('Log in to RSVP');
  });

  it('filter errors and the search say it in the reader’s language', async () => {
    const bad = await anonymous('/events?from=2031-02-30&to=2031-01-01', 'uk').expect(400);
    expect(bad.text).toContain('Такої дати не існує.');
    expect(bad.text).toContain('Виправте, будь ласка, фільтри вище.');
    const order = await anonymous('/events?from=2031-02-02&to=2031-01-01', 'ru').expect(400);
    expect(order.text).toContain('Дата окончания должна быть не раньше даты начала.');
    const unknown = await anonymous('/events?category=no-such-category', 'uk').expect(404);
    expect(unknown.text).toContain('Такої категорії немає (вже немає): виберіть одну зі списку.');
    const search = (await anonymous('/events?q=vinyl', 'uk').expect(200)).text;
    expect(search).toContain('<title>Пошук: vinyl · ');
    expect(search).toContain('<h1>Події за запитом «vinyl»</h1>');
    const none = (await anonymous('/events?q=zebrafish', 'ru').expect(200)).text;
    expect(none).toContain('Ни одно предстоящее событие не подходит под ваш запрос.');
    expect(none).not.toContain('events.');
  });

  it('RSVP flash messages, the ticket and its check-in time follow the member’s language', async () => {
    const ukrainian = await member('uk');
    const going = await rsvp(ukrainian, smallEventId);
    expect(going).toContain('Ви йдете. Підтвердження вже летить на вашу пошту.');
    expect(going).toContain('<p>Ви йдете.</p>');
    expect(going).toContain('<h2 id="ticket-heading">Ваш квиток</h2>');
    expect(going).toContain('aria-label="QR-код вашого квитка"');
    expect(going).toMatch(WHEN.uk);

    // Checked in at the door: the time is the reader's format, in the event's zone.
    await sql(
      `UPDATE rsvps SET checked_in_at = '2031-01-15T19:05:00Z'
       WHERE event_id = $1 AND status = 'going'`,
      [smallEventId],
    );
    const checkedIn = (await ukrainian.get(`/events/${smallEventId}`).expect(200)).text;
    expect(checkedIn).toContain(
      '<span class="badge badge-on">Зареєстровано</span> <time datetime="2031-01-15T19:05:00.000Z">ср, 15 січ. 2031 р., 19:05 UTC</time>',
    );

    const russian = await member('ru');
    const waitlisted = await rsvp(russian, smallEventId);
    expect(waitlisted).toContain('Мест нет: вы в листе ожидания и получите письмо, если место освободится.');
    expect(waitlisted).toContain('<p>Вы в листе ожидания.</p>');
    expect(waitlisted).toContain('1 в листе ожидания');
    const cancelled = await russian
      .post(`/events/${smallEventId}/rsvp/cancel`)
      .type('form')
      .send({ _csrf: csrfFrom(waitlisted) });
    expectStatus(cancelled, 303);
    expect((await russian.get(`/events/${smallEventId}`).expect(200)).text).toContain(
      'Ваша запись отменена.',
    );
  });

  it('"My events" in Ukrainian, with dates in Ukrainian', async () => {
    const agent = browser(app);
    await sql('UPDATE users SET language = $1 WHERE id = $2', ['uk', organizer.id]);
    expectStatus(await logIn(agent, organizer.email), 303);
    const mine = (await agent.get('/my/events').expect(200)).text;
    expect(mine).toContain('<h1>Мої події</h1>');
    expect(mine).toContain('<title>Мої події · ');
    expect(mine).toContain(`>${STARTS_TEXT.uk}</time>`);
    expect(mine).toContain('Учасники');
    await sql('UPDATE users SET language = NULL WHERE id = $1', [organizer.id]);
  });

  it('the page data is cached once for every language; each language formats it in its own words', async () => {
    const cache = app.get(EventsCache);
    await cache.invalidate(eventId);
    // Ukrainian first: what it leaves in the cache must not reach an English or Russian reader…
    const ukrainian = (await anonymous(`/events/${eventId}`, 'uk').expect(200)).text;
    expect(ukrainian).toMatch(WHEN.uk);
    expect(await cache.getEvent(eventId)).toBeDefined();
    const english = await anonymous(`/events/${eventId}`).expect(200);
    expect(english.headers['x-page-cache']).toBeUndefined();
    expect(english.text).toMatch(WHEN.en);
    expect(english.text).not.toContain('січ.');
    expect((await anonymous(`/events/${eventId}`, 'ru').expect(200)).text).toMatch(WHEN.ru);

    // …and the other way round, on the home page (the list's data is cached too).
    await cache.invalidate();
    const englishHome = (await anonymous('/').expect(200)).text;
    expect(englishHome).toContain(`>${STARTS_TEXT.en}</time>`);
    const ukrainianHome = await anonymous('/', 'uk').expect(200);
    expect(ukrainianHome.headers['x-page-cache']).toBeUndefined();
    expect(ukrainianHome.text).toContain(`>${STARTS_TEXT.uk}</time>`);
    expect(ukrainianHome.text).not.toContain('Jan 2031');

    // The whole pages kept for anonymous visitors: one per language, each in its own format.
    const untilHit = async (path: string, language?: Reader) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const response = await anonymous(path, language).expect(200);
        if (response.headers['x-page-cache'] === 'hit') return response.text;
      }
      throw new Error(`${path} (${language ?? 'en'}) was never answered from the cache`);
    };
    for (const language of ['en', 'uk', 'ru'] as const) {
      const others = (['en', 'uk', 'ru'] as const).filter((other) => other !== language);
      const hit = await untilHit(`/events/${eventId}`, language);
      expect(hit).toContain(`<html lang="${language}">`);
      expect(hit).toMatch(WHEN[language]);
      for (const other of others) expect(hit).not.toMatch(WHEN[other]);
      const home = await untilHit('/', language);
      expect(home).toContain(`>${STARTS_TEXT[language]}</time>`);
      for (const other of others) expect(home).not.toContain(STARTS_TEXT[other]);
    }
  });

  it('never reads page data the previous release cached in another shape (a rolling update)', async () => {
    const cache = app.get(EventsCache);
    await cache.invalidate(eventId);
    // What a replica of the release before cached for this event: English text, no instants.
    const previous = {
      id: eventId,
      title: 'Vinyl evening',
      startsAtText: 'Wed 15 Jan 2031, 19:00',
      whenText: 'Wed 15 Jan 2031, 19:00–21:00 UTC',
    };
    await app.get<Cache>(CACHE_MANAGER).set(`events:event:${eventId}`, previous, 60_000);
    await app.get<Cache>(CACHE_MANAGER).set('events:list:1', { events: [previous], hasNext: false }, 60_000);
    const page = (await anonymous(`/events/${eventId}`, 'uk').expect(200)).text;
    expect(page).toMatch(WHEN.uk);
    expect(page).toContain('Bring a friend.');
    expect((await anonymous('/', 'uk').expect(200)).text).toContain(`>${STARTS_TEXT.uk}</time>`);
  });
});
