import type { NestExpressApplication } from '@nestjs/platform-express';
import { browser, csrfFrom, expectStatus, logIn, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { createUser, loggedIn } from './support';

/**
 * The admin's chrome in the reader's language, chosen as on the rest of the site (profile, cookie,
 * Accept-Language): headings, buttons, counts with their plural forms, pagination, filters and
 * validation messages. Model and field labels stay as their ModelAdmin declares them (Django's
 * verbose_name), as do the objects themselves.
 */
describe('admin in Ukrainian and Russian (real PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  const marker = `i18n${Date.now().toString(36)}`;

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
    // 30 users to find: two pages of 25.
    await sql(
      `INSERT INTO users (email, display_name, updated_at)
       SELECT $1 || '-' || n || '@example.com', 'Member ' || n, now() FROM generate_series(1, 30) AS n`,
      [marker],
    );
  });
  afterAll(async () => {
    await app.close();
  });

  it('shows the index in Ukrainian after Accept-Language: <html lang>, headings, the dashboard', async () => {
    const response = expectStatus(await admin.get('/admin').set('Accept-Language', 'uk'), 200);
    expect(response.headers['content-language']).toBe('uk');
    const html = response.text;
    expect(html).toContain('<html lang="uk">');
    expect(html).toContain('<h1>Адміністрування сайту</h1>');
    expect(html).toContain('<title>Адміністрування сайту · адміністрування Event Planner</title>');
    expect(html).toContain('Мої останні дії');
    expect(html).toContain('>Додати</a>');
    expect(html).toContain('Реєстрації та відповіді за днями (останні 30 днів)');
    expect(html).toContain('Показати цифри таблицею');
    expect(html).toMatch(/Дані станом на \d+ [^ ]+ \d{4} р\., \d\d:\d\d:\d\d UTC/);
    expect(html).not.toContain('Site administration');
    expect(html).not.toContain('My recent actions');
  });

  it('shows a change list in Ukrainian: the count with its plural form, pagination, search, filters, actions', async () => {
    const first = expectStatus(
      await admin.get(`/admin/user?q=${marker}`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(first).toContain('<html lang="uk">');
    expect(first).toContain('<small>Users: 30 записів</small>');
    expect(first).toContain('>Додати: User</a>');
    expect(first).toContain('placeholder="Пошук: Users"');
    expect(first).toContain('<button type="submit">Пошук</button>');
    expect(first).toContain('<option value="delete_selected">Видалити вибрані</option>');
    expect(first).toContain('<option value="export_csv">Експортувати вибрані в CSV</option>');
    // A ModelAdmin's own action keeps its declared label, like the model's.
    expect(first).toContain('Activate selected users');
    expect(first).toContain('Застосувати до всіх відповідних (User, 30 записів), а не лише до позначених');
    expect(first).toContain('<nav aria-label="Сторінки" class="admin-pagination">');
    expect(first).toMatch(/rel="next">Наступна ›<\/a>/);
    expect(first).not.toContain('Previous');
    expect(first).toContain('<h2>Фільтр</h2>');
    expect(first).toContain('<summary>За полем «Active»</summary>');
    expect(first).toMatch(/<strong>Усі<\/strong>/);
    expect(first).toMatch(/>Так<\/a>/);
    expect(first).toMatch(/>Будь-яка дата<\/strong>/);
    expect(first).toMatch(/>Останні 7 днів<\/a>/);

    const second = expectStatus(
      await admin.get(`/admin/user?q=${marker}&p=2`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(second).toMatch(/rel="prev">‹ Попередня<\/a>/);
    expect(second).toContain('<strong aria-current="page">2</strong>');
    expect(second).toContain(`${marker}-1@example.com`);

    // One found: the singular.
    const one = expectStatus(
      await admin.get(`/admin/user?q=${marker}-17@`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(one).toContain('<small>Users: 1 запис</small>');
    const none = expectStatus(
      await admin.get(`/admin/user?q=${marker}-nobody`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(none).toContain('Немає відповідних записів (Users).');
  });

  it('shows a change form with its validation errors in Ukrainian', async () => {
    const form = expectStatus(await admin.get('/admin/user/add').set('Accept-Language', 'uk'), 200).text;
    expect(form).toContain('<h1>Додати: user</h1>');
    expect(form).toContain('>Зберегти й продовжити редагування</button>');
    const refused = await admin
      .post('/admin/user/add')
      .set('Accept-Language', 'uk')
      .type('form')
      .send({ _csrf: csrfFrom(form), email: '', displayName: 'x'.repeat(200), _save: '1' });
    const html = expectStatus(refused, 400).text;
    expect(html).toContain('<html lang="uk">');
    expect(html).toContain('Будь ласка, виправте помилки нижче.');
    expect(html).toMatch(/id="err-email" class="field-error">Це поле обов’язкове\./);
    expect(html).toMatch(
      /id="err-displayName" class="field-error">Значення має містити не більше \d+ символ/,
    );
    expect(html).not.toContain('This field is required.');
    expect(html).not.toContain('admin.validation');
  });

  it('follows the profile: a staff member who chose Russian gets the list, the form and the flash in Russian', async () => {
    const user = await createUser({ staff: true, superuser: true });
    await sql(`UPDATE users SET language = 'ru' WHERE id = $1`, [user.id]);
    const agent = browser(app);
    expectStatus(await logIn(agent, user.email), 303);

    // The profile wins over the browser's Accept-Language.
    const list = expectStatus(
      await agent.get(`/admin/user?q=${marker}`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(list).toContain('<html lang="ru">');
    expect(list).toContain('<small>Users: 30 записей</small>');
    expect(list).toMatch(/rel="next">Следующая ›<\/a>/);
    expect(list).toContain('<option value="delete_selected">Удалить выбранные</option>');

    const form = expectStatus(await agent.get('/admin/user/add'), 200).text;
    const refused = await agent
      .post('/admin/user/add')
      .type('form')
      .send({ _csrf: csrfFrom(form), email: '', displayName: 'Someone', _save: '1' });
    expect(expectStatus(refused, 400).text).toMatch(/id="err-email" class="field-error">Обязательное поле\./);

    const email = `${marker}-new@example.com`;
    const added = await agent
      .post('/admin/user/add')
      .type('form')
      .send({ _csrf: csrfFrom(form), email, displayName: 'Someone', isActive: 'on', _save: '1' });
    expect(expectStatus(added, 303).headers.location).toBe('/admin/user');
    const after = expectStatus(await agent.get('/admin/user'), 200).text;
    expect(after).toContain(`Объект «${email}» (user) успешно добавлен.`);

    // The object's other pages: history (the log's action named in Russian), delete, set password.
    const [{ id }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]);
    const history = expectStatus(await agent.get(`/admin/user/${id}/history`), 200).text;
    expect(history).toContain(`<h1>История изменений: ${email}</h1>`);
    expect(history).toContain('<th scope="col">Дата и время (UTC)</th>');
    expect(history).toMatch(/<td>добавлено<\/td>/);
    const deletion = expectStatus(await agent.get(`/admin/user/${id}/delete`), 200).text;
    expect(deletion).toContain(`Вы уверены, что хотите удалить «${email}» (User)?`);
    expect(deletion).toContain('>Нет, вернуться</a>');
    const password = expectStatus(await agent.get(`/admin/user/${id}/password`), 200).text;
    const mismatch = await agent
      .post(`/admin/user/${id}/password`)
      .type('form')
      .send({ _csrf: csrfFrom(password), password1: 'one long passphrase 1', password2: 'another one 2' });
    const refusedPassword = expectStatus(mismatch, 400).text;
    expect(refusedPassword).toContain(`<h1>Установить пароль для ${email}</h1>`);
    expect(refusedPassword).toContain('Пароли в двух полях не совпадают.');
  });

  it('says a refusal, as JSON or as a page, in the reader’s language, never as a catalogue key', async () => {
    const { agent: member } = await loggedIn(app);
    for (const [language, text] of [
      ['en', 'This page is for staff only.'],
      ['uk', 'Ця сторінка лише для персоналу.'],
    ]) {
      const refused = expectStatus(
        await member.get('/admin').set('Accept', 'application/json').set('Accept-Language', language),
        403,
      );
      expect(refused.body).toMatchObject({ statusCode: 403, message: text });
    }
    // The page a browser gets says it too.
    const page = expectStatus(await member.get('/admin').set('Accept-Language', 'ru'), 403).text;
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('Эта страница только для персонала.');
  });
});
