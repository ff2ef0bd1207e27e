import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { browser, csrfFrom, expectStatus, logIn, sql, submit, type Agent } from '../accounts/support';
import { createUser } from '../admin/support';
import { startWebApp } from '../support/web-app';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

/**
 * The organizer's pages in the reader's language, against the real app (PostgreSQL, Redis,
 * sessions, CSRF): the event form with its validation messages in Ukrainian, the door (check-in
 * list, the answers to a check-in and a refused ticket) in Russian; the API's messages, keys too,
 * still in English. English pages are the other tests'.
 */
describe('organizer pages in Ukrainian and Russian', () => {
  let app: NestExpressApplication;

  /** A signed-in member whose profile language is `language` (null: their browser's). */
  async function member(name: string, language: string | null): Promise<{ id: number; agent: Agent }> {
    const user = await createUser();
    await sql('UPDATE users SET display_name = $1, language = $2 WHERE id = $3', [name, language, user.id]);
    const agent = browser(app);
    expectStatus(await logIn(agent, user.email), 303);
    return { id: user.id, agent };
  }

  beforeAll(async () => {
    app = await startWebApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('the create-event form, refused, shows its labels, buttons and errors in Ukrainian', async () => {
    const { agent } = await member('Оксана', null);
    agent.set('Accept-Language', 'uk-UA,uk;q=0.9');
    const form = { description: '', location: 'Київ', timeZone: 'Europe/Kyiv', capacity: '20' };

    // A class-validator message (a descriptor with parameters).
    const short = await submit(agent, '/events/new', {
      ...form,
      title: 'Ой',
      startsAt: inDays(3),
      endsAt: inDays(3.1),
    });
    expectStatus(short, 400);
    expect(short.text).toContain('<html lang="uk">');
    expect(short.text).toContain('<title>Нова подія · ');
    expect(short.text).toContain('<h1>Нова подія</h1>');
    expect(short.text).toMatch(/<label>Назва\s*<input name="title" value="Ой"/);
    expect(short.text).toContain('<label>Часовий пояс');
    expect(short.text).toContain('<option value="">Без категорії</option>');
    expect(short.text).toContain('Опублікувати подію');
    expect(short.text).toContain('Зберегти як чернетку');
    expect(short.text).toMatch(
      /<small id="title-error" class="field-error">Назва має містити від 3 до 200 символів\. <\/small>/,
    );

    // A rule across fields, checked by the service after the DTO.
    const backwards = await submit(agent, '/events/new', {
      ...form,
      title: 'Вечір настільних ігор',
      startsAt: inDays(3),
      endsAt: inDays(2),
    });
    expectStatus(backwards, 400);
    expect(backwards.text).toContain('Подія має закінчуватися після початку.');

    for (const page of [short.text, backwards.text]) {
      expect(page).not.toMatch(/organizing\.|validation\./);
      expect(page).not.toContain('must be');
      expect(page).not.toContain('Time zone');
    }
  });

  it('publishing a draft says why it cannot, then that it is published, in Ukrainian', async () => {
    const { agent } = await member('Тарас', 'uk');
    const created = await submit(agent, '/events/new', {
      title: 'Чернетка вечора',
      description: '',
      location: 'Львів',
      timeZone: 'Europe/Kyiv',
      capacity: '',
      startsAt: inDays(3),
      endsAt: inDays(3.1),
      status: 'draft',
    });
    const id = Number(expectStatus(created, 303).headers.location.split('/').pop());
    expect(await sql('SELECT status FROM events WHERE id = $1', [id])).toEqual([{ status: 'draft' }]);
    await sql(`UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1`, [id]);

    const refused = await submit(agent, `/events/${id}`, {}, `/events/${id}/publish`);
    expect(expectStatus(refused, 303).headers.location).toBe(`/events/${id}/edit`);
    const edit = (await agent.get(`/events/${id}/edit`).expect(200)).text;
    expect(edit).toContain('Подія має починатися в майбутньому.');
    expect(edit).not.toMatch(/organizing\.|validation\./);

    await sql(`UPDATE events SET starts_at = now() + interval '3 days' WHERE id = $1`, [id]);
    const published = await submit(agent, `/events/${id}`, {}, `/events/${id}/publish`);
    expect(expectStatus(published, 303).headers.location).toBe(`/events/${id}`);
    expect((await agent.get(`/events/${id}`).expect(200)).text).toContain('Вашу подію опубліковано.');
  });

  it('the check-in page, a check-in and a refused ticket speak Russian (the organizer’s profile language)', async () => {
    const organizer = await member('Ольга', 'ru');
    const guest = await member('Gina Guest', null);
    // A fixed start, so its date reads as Russian does.
    const [{ id: eventId }] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, time_zone, capacity, updated_at)
       VALUES ($1, 'Гончарный вечер', '2030-05-01T18:30:00Z', '2030-05-01T21:00:00Z', 'UTC', 10, now())
       RETURNING id`,
      [organizer.id],
    );
    expectStatus(await submit(guest.agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`), 303);
    const [{ id: rsvpId }] = await sql<{ id: number }>(
      'SELECT id FROM rsvps WHERE event_id = $1 AND user_id = $2',
      [eventId, guest.id],
    );

    const door = `/events/${eventId}/check-in`;
    const page = (await organizer.agent.get(door).set('Accept-Language', 'en').expect(200)).text;
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('<title>Вход: Гончарный вечер · ');
    expect(page).toContain('<h1>Регистрация на входе</h1>');
    expect(page).toContain('ср, 1 мая 2030 г., 18:30 UTC');
    expect(page).toMatch(
      /Пришли: <strong data-count="checkedIn"[^>]*>0<\/strong> из <strong data-count="going"[^>]*>1<\/strong>/,
    );
    expect(page).toContain('<label for="ticket">Отсканируйте или вставьте билет</label>');
    expect(page).toContain('placeholder="Имя или эл. почта" aria-label="Поиск участников"');
    expect(page).toContain('aria-label="Зарегистрировать: Gina Guest">Зарегистрировать</button>');
    expect(page).toContain('data-badge-in="Здесь"');
    expect(page).not.toMatch(/organizing\.|checked in|Check in/);

    // check-in.js's answer, and the flash after the form's.
    const checkedIn = await organizer.agent
      .post(`${door}/${rsvpId}`)
      .set('Accept', 'application/json')
      .type('form')
      .send({ _csrf: csrfFrom(page) })
      .expect(200);
    expect(checkedIn.body.message).toBe('Gina Guest: вход отмечен.');
    expect(checkedIn.body.attendee.checkedInText).toMatch(/^\d{2}:\d{2}$/);
    expect(checkedIn.body.attendee.checkedInFull).toMatch(/ г\., \d{2}:\d{2} UTC$/);
    const again = await organizer.agent
      .post(`${door}/${rsvpId}`)
      .type('form')
      .send({ _csrf: csrfFrom(page) })
      .expect(303);
    const back = (again.headers.location as string).split('#')[0];
    const after = (await organizer.agent.get(back).expect(200)).text;
    expect(after).toContain('Gina Guest: вход уже был отмечен.');
    expect(after).toMatch(
      /<span class="badge badge-on">Здесь<\/span> <time datetime="[^"]+" title="[^"]* г\., /,
    );

    // The scanner field, given something that is no ticket: the refusal is said in Russian.
    const refused = await organizer.agent
      .post(`${door}/ticket`)
      .type('form')
      .send({ ticket: 'hello', _csrf: csrfFrom(page) });
    expectStatus(refused, 400);
    expect(refused.text).toContain('<title>Билет отклонён · ');
    expect(refused.text).toContain('Введите или отсканируйте билет: его ссылку, как в QR-коде.');
  });

  it('the API says its list-query messages (catalogue keys now) in English, as it did', async () => {
    const response = await request(app.getHttpServer())
      .get('/api/v1/events')
      .query({ page: 0, pageSize: 1000, q: 'x'.repeat(201), from: 'yesterday', organizerId: 3_000_000_000 })
      .expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(response.text) as { detail: string; errors: Record<string, string[]> };
    expect(problem.detail).toBe('Validation failed');
    expect(problem.errors).toEqual({
      page: ['page must be a whole number from 1'],
      pageSize: ['pageSize must be a whole number from 1 to 100'],
      q: ['q must be at most 200 characters'],
      from: ['from must be an ISO 8601 date-time'],
      organizerId: ['organizerId is out of range'],
    });
  });
});
