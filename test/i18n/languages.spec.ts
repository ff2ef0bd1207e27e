import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { negotiateLanguage } from '../../src/i18n/languages';
import { formatDateTime, translateMessage, message } from '../../src/i18n/translator';
import { browser, csrfFrom, expectStatus, logIn, sql, submit, uniqueEmail } from '../accounts/support';
import { createUser } from '../admin/support';
import { startWebApp } from '../support/web-app';

describe('languages: profile, cookie, Accept-Language; per-language page cache (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const anonymous = () => request(app.getHttpServer());

  it('negotiates the cookie first, then Accept-Language (q-values, regions), then English', () => {
    expect(negotiateLanguage({})).toBe('en');
    expect(negotiateLanguage({ 'accept-language': 'uk-UA,uk;q=0.9,en;q=0.5' })).toBe('uk');
    expect(negotiateLanguage({ 'accept-language': 'de, ru;q=0.8, en;q=0.7' })).toBe('ru');
    expect(negotiateLanguage({ 'accept-language': 'de, fr' })).toBe('en');
    expect(negotiateLanguage({ 'accept-language': 'ru', cookie: 'a=1; lang=uk' })).toBe('uk');
    expect(negotiateLanguage({ 'accept-language': 'ru', cookie: 'lang=xx' })).toBe('ru');
  });

  it('formats dates, numbers and plurals per language; unknown descriptors pass through', () => {
    const when = new Date('2026-12-01T11:26:00Z');
    expect(formatDateTime(when, 'en')).toBe('1 Dec 2026, 11:26');
    expect(formatDateTime(when, 'uk')).toMatch(/^1 груд\. 2026 р\., 11:26$/);
    expect(formatDateTime(when, 'ru')).toMatch(/^1 дек\. 2026 г\., 11:26$/);
    const descriptor = message('accounts.login.throttled', { count: 5 });
    expect(translateMessage(descriptor, 'en')).toContain('in 5 minutes');
    expect(translateMessage(descriptor, 'uk')).toContain('через 5 хвилин');
    expect(translateMessage(message('accounts.login.throttled', { count: 2 }), 'ru')).toContain(
      'через 2 минуты',
    );
    expect(translateMessage('Just English text.', 'uk')).toBe('Just English text.');
    expect(translateMessage('no.such.key', 'uk')).toBe('no.such.key');
  });

  it('pages follow Accept-Language: <html lang>, Content-Language, the texts, validation messages', async () => {
    const uk = await anonymous().get('/accounts/login').set('Accept-Language', 'uk-UA,uk;q=0.9').expect(200);
    expect(uk.text).toContain('<html lang="uk">');
    expect(uk.headers['content-language']).toBe('uk');
    expect(uk.headers.vary).toMatch(/Accept-Language/);
    expect(uk.text).toContain('<h1>Вхід</h1>');
    expect(uk.text).toContain('Забули пароль?');
    const ru = await anonymous().get('/accounts/signup').set('Accept-Language', 'ru').expect(200);
    expect(ru.text).toContain('<html lang="ru">');
    expect(ru.text).toContain('Регистрация');
    const en = await anonymous().get('/accounts/login').expect(200);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('<h1>Log in</h1>');

    // A form's errors, in the reader's language (collected from class-validator as keys).
    const agent = browser(app).set('Accept-Language', 'uk');
    const refused = await submit(agent, '/accounts/signup', {
      email: 'not-an-address',
      displayName: '',
      password: '1234',
      password2: '12345',
    });
    expectStatus(refused, 400);
    expect(refused.text).toContain('Введіть правильну адресу електронної пошти');
    expect(refused.text).toContain('Введіть своє ім’я.');
    expect(refused.text).not.toContain('validation.');
  });

  it('the footer switcher works without JavaScript: anonymous GET asks, POST (CSRF) sets the cookie', async () => {
    const agent = browser(app);
    const page = (await agent.get('/accounts/password-reset').expect(200)).text;
    // The page carries a form token already (its own form), so the switcher posts directly.
    expect(page).toMatch(/<form method="post" action="\/language"/);
    const home = (await anonymous().get('/').expect(200)).text;
    // A page without a session: the switcher GETs the confirmation page (no token, stays cacheable).
    expect(home).toMatch(/<form method="get" action="\/language"/);
    expect(home).toContain('value="ru"');

    const confirm = await agent.get('/language?language=ru&next=/accounts/login').expect(200);
    expect(confirm.text).toContain('<html lang="ru">');
    expect(confirm.text).toContain('Да, переключить на Русский');
    await agent.post('/language').type('form').send({ language: 'ru', next: '/accounts/login' }).expect(403);
    const switched = await agent
      .post('/language')
      .type('form')
      .send({ language: 'ru', next: '/accounts/login', _csrf: csrfFrom(confirm.text) })
      .expect(303);
    expect(switched.headers.location).toBe('/accounts/login');
    expect(String(switched.headers['set-cookie'])).toMatch(/lang=ru;.*HttpOnly/);
    const after = await agent.get('/accounts/login').set('Accept-Language', 'en').expect(200);
    expect(after.text).toContain('<html lang="ru">');
    // Not a language we offer, or somewhere else to go: refused / kept on this site.
    await agent
      .post('/language')
      .type('form')
      .send({ language: 'de', _csrf: csrfFrom(after.text) })
      .expect(400);
    const offsite = await agent
      .post('/language')
      .type('form')
      .send({ language: 'uk', next: '//evil.example/', _csrf: csrfFrom(after.text) })
      .expect(303);
    expect(offsite.headers.location).toBe('/');
  });

  it("a member's profile language wins over the browser's; the switcher and the profile form change it", async () => {
    const user = await createUser({ email: uniqueEmail('i18n-member') });
    const agent = browser(app).set('Accept-Language', 'en');
    expectStatus(await logIn(agent, user.email), 303);
    expect((await agent.get('/accounts/profile').expect(200)).text).toContain('<html lang="en">');
    expectStatus(
      await submit(agent, '/accounts/profile', { displayName: 'Олена', language: 'uk' }, '/accounts/profile'),
      303,
    );
    expect(
      (await sql<{ language: string }>('SELECT language FROM users WHERE id = $1', [user.id]))[0],
    ).toEqual({
      language: 'uk',
    });
    const profile = (await agent.get('/accounts/profile').expect(200)).text;
    expect(profile).toContain('<html lang="uk">');
    expect(profile).toContain('Профіль збережено.');
    expect(profile).toMatch(/<option value="uk" lang="uk" selected>/);
    // Not a language: the form says so, in Ukrainian.
    const bad = await submit(
      agent,
      '/accounts/profile',
      { displayName: 'Олена', language: 'xx' },
      '/accounts/profile',
    );
    expectStatus(bad, 400);
    expect(bad.text).toContain('Виберіть одну із запропонованих мов.');
    // The footer switcher, signed in: stored on the profile.
    expectStatus(await submit(agent, '/accounts/profile', { language: 'ru', next: '/' }, '/language'), 303);
    expect(
      (await sql<{ language: string }>('SELECT language FROM users WHERE id = $1', [user.id]))[0].language,
    ).toBe('ru');
    expect((await agent.get('/accounts/profile').expect(200)).text).toContain('<html lang="ru">');
  });

  it('the anonymous page cache keeps one copy per language: an English copy never reaches a Ukrainian reader', async () => {
    const [{ id }] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       SELECT id, 'Cache languages', now() + interval '3 days', now() + interval '3 days 2 hours', 5, now()
       FROM users ORDER BY id LIMIT 1 RETURNING id`,
    );
    const get = (language?: string, cookie?: string) => {
      const req = anonymous().get(`/events/${id}`);
      if (language) req.set('Accept-Language', language);
      if (cookie) req.set('Cookie', cookie);
      return req.expect(200);
    };
    const untilHit = async (language?: string, cookie?: string) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const response = await get(language, cookie);
        if (response.headers['x-page-cache'] === 'hit') return response;
      }
      throw new Error('never answered from the cache');
    };
    const english = await untilHit();
    expect(english.text).toContain('<html lang="en">');
    const ukrainian = await get('uk');
    expect(ukrainian.text).toContain('<html lang="uk">');
    expect(ukrainian.text).toContain('Події');
    const ukrainianHit = await untilHit('uk');
    expect(ukrainianHit.text).toContain('<html lang="uk">');
    expect(ukrainianHit.headers['content-language']).toBe('uk');
    expect(ukrainianHit.headers.vary).toMatch(/Accept-Language/);
    // The switcher's cookie counts as the pages count it.
    expect((await get('uk', 'lang=ru')).text).toContain('<html lang="ru">');
    expect((await untilHit()).text).toContain('<html lang="en">');
  });
});
