import type { NestExpressApplication } from '@nestjs/platform-express';
import { browser, csrfFrom, expectStatus, logIn, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { createUser, loggedIn } from './support';

/**
 * The admin's chrome in the reader's language, chosen as on the rest of the site (profile, cookie,
 * Accept-Language): headings, buttons, counts with their plural forms, pagination, filters and
 * validation messages; and, like Django's verbose_name through gettext_lazy, the models', modules',
 * fields' and the features' own actions' names (catalogue admin-labels.json). The objects
 * themselves stay as they are.
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
    expect(first).toContain('<small>Користувачі: 30 записів</small>');
    expect(first).toContain('>Додати користувача</a>');
    expect(first).toContain('placeholder="Пошук: Користувачі"');
    expect(first).toContain('<button type="submit">Пошук</button>');
    expect(first).toContain('<option value="delete_selected">Видалити вибрані</option>');
    expect(first).toContain('<option value="export_csv">Експортувати вибрані в CSV</option>');
    // A ModelAdmin's own action, from the catalogue.
    expect(first).toContain('<option value="activate">Активувати вибраних користувачів</option>');
    expect(first).not.toContain('Activate selected users');
    expect(first).toContain(
      'Застосувати до всіх відповідних (Користувач, 30 записів), а не лише до позначених',
    );
    expect(first).toContain('<nav aria-label="Сторінки" class="admin-pagination">');
    expect(first).toMatch(/rel="next">Наступна ›<\/a>/);
    expect(first).not.toContain('Previous');
    expect(first).toContain('<h2>Фільтр</h2>');
    expect(first).toContain('<summary>За полем «Активний»</summary>');
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
    expect(one).toContain('<small>Користувачі: 1 запис</small>');
    const none = expectStatus(
      await admin.get(`/admin/user?q=${marker}-nobody`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(none).toContain('Немає відповідних записів (Користувачі).');
  });

  it('shows a change form with its validation errors in Ukrainian', async () => {
    const form = expectStatus(await admin.get('/admin/user/add').set('Accept-Language', 'uk'), 200).text;
    expect(form).toContain('<h1>Додати користувача</h1>');
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
    expect(list).toContain('<small>Пользователи: 30 записей</small>');
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
    expect(after).toContain(`Объект «${email}» (пользователь) успешно добавлен.`);

    // The object's other pages: history (the log's action named in Russian), delete, set password.
    const [{ id }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]);
    const history = expectStatus(await agent.get(`/admin/user/${id}/history`), 200).text;
    expect(history).toContain(`<h1>История изменений: ${email}</h1>`);
    expect(history).toContain('<th scope="col">Дата и время (UTC)</th>');
    expect(history).toMatch(/<td>добавлено<\/td>/);
    const deletion = expectStatus(await agent.get(`/admin/user/${id}/delete`), 200).text;
    expect(deletion).toContain(`Вы уверены, что хотите удалить «${email}» (Пользователь)?`);
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

  async function createEvent(title: string, status = 'published'): Promise<number> {
    const [row] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, status, updated_at)
       VALUES ((SELECT id FROM users WHERE email = $3), $1, now() + interval '10 days',
               now() + interval '10 days 2 hours', 10, $2, now()) RETURNING id`,
      [title, status, `${marker}-1@example.com`],
    );
    return row.id;
  }

  it('names the modules and models on the index in the reader’s language (Django’s verbose_name)', async () => {
    const uk = expectStatus(await admin.get('/admin').set('Accept-Language', 'uk'), 200).text;
    expect(uk).toContain('<header><strong>Облікові записи</strong></header>');
    expect(uk).toContain('<header><strong>Події</strong></header>');
    expect(uk).toContain('<a href="/admin/user">Користувачі</a>');
    expect(uk).toContain('<a href="/admin/event">Події</a>');
    expect(uk).toContain('<a href="/admin/outgoingemail">Вихідні листи</a>');
    expect(uk).not.toContain('>Users</a>');
    expect(uk).not.toContain('<strong>Accounts</strong>');
    const ru = expectStatus(await admin.get('/admin').set('Accept-Language', 'ru'), 200).text;
    expect(ru).toContain('<header><strong>Учётные записи</strong></header>');
    expect(ru).toContain('<a href="/admin/user">Пользователи</a>');
    expect(ru).toContain('<a href="/admin/rsvp">Ответы (RSVP)</a>');
    // English, as each ModelAdmin declares it.
    const en = expectStatus(await admin.get('/admin').set('Accept-Language', 'en'), 200).text;
    expect(en).toContain('<header><strong>Accounts</strong></header>');
    expect(en).toContain('<a href="/admin/user">Users</a>');
  });

  it('shows the event change list with the model, column, filter and action names in Ukrainian', async () => {
    await createEvent(`${marker} listed`);
    const html = expectStatus(await admin.get('/admin/event').set('Accept-Language', 'uk'), 200).text;
    expect(html).toContain('<h1>Події</h1>');
    expect(html).toContain('>Додати подію</a>');
    expect(html).toContain('<th scope="col">Назва</th>');
    expect(html).toContain('<th scope="col"><a href="/admin/event?o&#x3D;startsAt">Початок</a></th>');
    expect(html).toContain('<th scope="col">Кількість учасників</th>');
    expect(html).toContain('<summary>За полем «Статус»</summary>');
    expect(html).toContain('<summary>За полем «Організатор»</summary>');
    expect(html).toContain('<option value="publish_drafts">Опублікувати вибрані чернетки</option>');
    expect(html).toContain('<option value="cancel_events">Скасувати вибрані події</option>');
    expect(html).toContain('<li><a href="/admin/event">Події</a></li>');
    expect(html).not.toContain('Publish selected drafts');
    expect(html).not.toContain('Starts at');
    const ru = expectStatus(await admin.get('/admin/event').set('Accept-Language', 'ru'), 200).text;
    expect(ru).toContain('<h1>События</h1>');
    expect(ru).toContain('>Добавить событие</a>');
    expect(ru).toContain('<option value="cancel_events">Отменить выбранные события</option>');
  });

  it('says choices by their labels (Django’s get_FOO_display): cells, filters, form, inline; the CSV keeps values', async () => {
    const id = await createEvent(`${marker} choices`);
    const search = `/admin/event?q=${encodeURIComponent(`${marker} choices`)}`;
    const uk = expectStatus(await admin.get(search).set('Accept-Language', 'uk'), 200).text;
    expect(uk).toMatch(/<td[^>]*>Опубліковано<\/td>/);
    expect(uk).toMatch(/<a href="[^"]*f_status&#x3D;draft">Чернетка<\/a>/);
    expect(uk).not.toMatch(/>(published|draft|cancelled)</);
    const en = expectStatus(await admin.get(search), 200).text;
    expect(en).toMatch(/<td[^>]*>Published<\/td>/);
    expect(en).toMatch(/<a href="[^"]*f_status&#x3D;cancelled">Cancelled<\/a>/);

    const form = expectStatus(
      await admin.get(`/admin/event/${id}/change`).set('Accept-Language', 'ru'),
      200,
    ).text;
    expect(form).toContain('Опубликовано');
    // The RSVP inline's empty row offers the statuses by name, the values unchanged.
    expect(form).toContain('<option value="waitlisted" >В листе ожидания</option>');

    const csv = await admin
      .post('/admin/event/action')
      .set('Accept-Language', 'uk')
      .type('form')
      .send({ _csrf: csrfFrom(uk), action: 'export_csv', _selected_action: String(id), confirm: 'yes' });
    expect(expectStatus(csv, 200).text).toMatch(/,published[,\n]/);
  });

  it('shows yes/no cells in the reader’s language; the CSV export keeps Yes/No and English headers', async () => {
    const uk = expectStatus(
      await admin.get(`/admin/user?q=${marker}-17@`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(uk).toMatch(/>Активний<\/a>/);
    expect(uk).toMatch(/<td class="admin-nowrap">Так<\/td>\s*<td class="admin-nowrap">Ні<\/td>/);
    expect(uk).not.toMatch(/<td class="admin-nowrap">(Yes|No)<\/td>/);
    const ru = expectStatus(
      await admin.get(`/admin/user?q=${marker}-17@`).set('Accept-Language', 'ru'),
      200,
    ).text;
    expect(ru).toMatch(/<td class="admin-nowrap">Да<\/td>\s*<td class="admin-nowrap">Нет<\/td>/);

    const [{ id }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [
      `${marker}-17@example.com`,
    ]);
    const csv = await admin
      .post('/admin/user/action')
      .set('Accept-Language', 'uk')
      .type('form')
      .send({ _csrf: csrfFrom(uk), action: 'export_csv', _selected_action: String(id), confirm: 'yes' });
    const text = expectStatus(csv, 200).text;
    expect(text.split('\n')[0]).toContain('E-mail address,Display name,Active,Staff status');
    expect(text).toContain(`${marker}-17@example.com,Member 17,Yes,No,No`);
  });

  it('shows an event’s change form with its title, field labels, help texts, links and inline in Ukrainian', async () => {
    const id = await createEvent(`${marker} form`);
    const html = expectStatus(
      await admin.get(`/admin/event/${id}/change`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(html).toContain(`<h1>Змінити подію: ${marker} form</h1>`);
    expect(html).toContain('<label for="id_title">Назва <span aria-hidden="true">*</span></label>');
    expect(html).toMatch(/<label for="id_startsAt">Початок/);
    expect(html).toMatch(/<label for="id_organizerId">Організатор/);
    expect(html).toContain('Де відбувається подія: сайт показує її час у цьому поясі.');
    expect(html).toContain('Id користувача; для пошуку введіть адресу e-mail.');
    expect(html).toContain(
      `<a href="/events/${id}" role="button" class="secondary outline">Переглянути на сайті</a>`,
    );
    expect(html).toContain('<legend><h2>Відповіді (RSVP)</h2></legend>');
    expect(html).toContain('<th scope="col">Користувач <span aria-hidden="true">*</span></th>');
    expect(html).not.toContain('View on site');
    expect(html).not.toContain('Where the event happens');

    const user = expectStatus(await admin.get('/admin/user/add').set('Accept-Language', 'ru'), 200).text;
    expect(user).toContain('<h1>Добавить пользователя</h1>');
    expect(user).toMatch(/<label for="id_email">Адрес e-mail/);
    expect(user).toContain('Хранится строчными буквами; уникален.');
    const [{ id: userId }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [
      `${marker}-2@example.com`,
    ]);
    const change = expectStatus(
      await admin.get(`/admin/user/${userId}/change`).set('Accept-Language', 'ru'),
      200,
    ).text;
    expect(change).toContain('>Установить пароль</a>');
    expect(change).toContain('>Сбросить двухфакторную аутентификацию</a>');
  });

  it('asks to confirm a feature’s action, and says its result, in Ukrainian', async () => {
    const ready = await createEvent(`${marker} draft ready`, 'draft');
    const stale = await createEvent(`${marker} draft stale`, 'draft');
    await sql(`UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1`, [stale]);
    const list = expectStatus(await admin.get('/admin/event').set('Accept-Language', 'uk'), 200).text;
    const ask = await admin
      .post('/admin/event/action')
      .set('Accept-Language', 'uk')
      .type('form')
      .send({
        _csrf: csrfFrom(list),
        action: 'publish_drafts',
        _selected_action: [String(ready), String(stale)],
      });
    const confirmation = expectStatus(ask, 200).text;
    expect(confirmation).toContain('<p>Опублікувати вибрані чернетки: 2 записи (Події).</p>');
    expect(confirmation).toContain(
      'Чернетки з’являться у списку й відкриються для відповідей (кожна має починатися в майбутньому).',
    );
    expect(confirmation).not.toContain('Drafts become listed');

    const done = await admin
      .post('/admin/event/action')
      .set('Accept-Language', 'uk')
      .type('form')
      .send({
        _csrf: csrfFrom(list),
        action: 'publish_drafts',
        _selected_action: [String(ready), String(stale)],
        confirm: 'yes',
      })
      .redirects(1);
    // The refused draft's reason in Ukrainian too, inside the one flash.
    expect(done.text).toContain(`Опубліковано 1 чернетку. Не опубліковано: #${stale}: `);
    expect(done.text).not.toContain('The event must start in the future.');
    expect(done.text).not.toContain('adminLabels.');

    // The admin log keeps the English name of the action (stored data).
    const [entry] = await sql<{ message: string }>(
      `SELECT message FROM admin_log WHERE model = 'Event' AND object_id = $1 ORDER BY id DESC LIMIT 1`,
      [String(ready)],
    );
    expect(entry.message).toBe('Publish selected drafts');
  });

  it('names what a deletion takes with it in the reader’s language', async () => {
    const email = `${marker}-3@example.com`;
    const [{ id }] = await sql<{ id: number }>('SELECT id FROM users WHERE email = $1', [email]);
    const eventId = await createEvent(`${marker} doomed`);
    await sql('UPDATE events SET organizer_id = $1 WHERE id = $2', [id, eventId]);
    await sql(`INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now())`, [
      eventId,
      id,
    ]);
    const uk = expectStatus(
      await admin.get(`/admin/user/${id}/delete`).set('Accept-Language', 'uk'),
      200,
    ).text;
    expect(uk).toContain(`Ви впевнені, що хочете видалити «${email}» (Користувач)?`);
    expect(uk).toMatch(/<li class="depth-1">Події \(організатор\): 1/);
    expect(uk).toMatch(/<li class="depth-2">Відповіді \(RSVP\) \(подія\): 1/);
    expect(uk).toMatch(/<li class="depth-1">Відповіді \(RSVP\) \(користувач\): 1/);
    const ru = expectStatus(
      await admin.get(`/admin/user/${id}/delete`).set('Accept-Language', 'ru'),
      200,
    ).text;
    expect(ru).toMatch(/<li class="depth-1">События \(организатор\): 1/);
  });

  it('names the model in refusals and form errors in the reader’s language', async () => {
    const { agent: staff } = await loggedIn(app, { staff: true, permissions: ['event.view'] });
    const refused = await staff
      .get('/admin/user')
      .set('Accept', 'application/json')
      .set('Accept-Language', 'uk');
    expect(expectStatus(refused, 403).body).toMatchObject({
      message: 'У вас немає права переглядати: користувачі.',
    });
    const form = expectStatus(await admin.get('/admin/user/add').set('Accept-Language', 'ru'), 200).text;
    const duplicate = await admin
      .post('/admin/user/add')
      .set('Accept-Language', 'ru')
      .type('form')
      .send({ _csrf: csrfFrom(form), email: `${marker}-5@example.com`, displayName: 'Twin', _save: '1' });
    expect(expectStatus(duplicate, 400).text).toMatch(
      /id="err-email" class="field-error">Пользователь с таким значением поля email уже существует\./,
    );
  });

  it('says the admin’s 404s in the reader’s language', async () => {
    for (const [language, model, object] of [
      ['en', 'No model "nosuch" in the admin.', 'User with id "999999999" does not exist.'],
      ['uk', 'В адмініструванні немає моделі «nosuch».', 'Об’єкта з id «999999999» не існує.'],
      ['ru', 'В администрировании нет модели «nosuch».', 'Объекта с id «999999999» не существует.'],
    ]) {
      const noModel = await admin
        .get('/admin/nosuch')
        .set('Accept', 'application/json')
        .set('Accept-Language', language);
      expect(expectStatus(noModel, 404).body).toMatchObject({ statusCode: 404, message: model });
      const noObject = await admin
        .get('/admin/user/999999999/change')
        .set('Accept', 'application/json')
        .set('Accept-Language', language);
      expect(expectStatus(noObject, 404).body).toMatchObject({ statusCode: 404, message: object });
    }
    // A browser gets the site's 404 page, which does not show the message.
    const page = expectStatus(await admin.get('/admin/nosuch').set('Accept-Language', 'uk'), 404);
    expect(page.text).toContain('<h1>Сторінку не знайдено</h1>');
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
