import type { NestExpressApplication } from '@nestjs/platform-express';
import { message, translateMessage } from '../../src/i18n/translator';
import { browser, csrfFrom, expectStatus, logIn, signUpVerified, sql, submit } from '../accounts/support';
import { enrolTotp, passwordStep, secondStep } from '../accounts/two-factor-support';
import { createUser } from '../admin/support';
import { startWebApp } from '../support/web-app';

/** No catalogue key may reach the reader untranslated (a descriptor shown as it is). */
function expectNoKeys(html: string): void {
  expect(html).not.toMatch(/\b(?:twoFactor|validation|flash|accounts)\.[a-z][A-Za-z]+/);
}

describe('two-factor and task pages in Ukrainian and Russian (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sets up an authenticator app in Ukrainian: labels, a wrong code and an empty one say so in Ukrainian', async () => {
    // Signed up in Ukrainian: the profile keeps the language.
    const agent = browser(app).set('Accept-Language', 'uk');
    const email = await signUpVerified(agent);
    expectStatus(await logIn(agent, email), 303);

    const page = expectStatus(await agent.get('/accounts/2fa/totp/activate'), 200);
    expect(page.text).toContain('<html lang="uk">');
    expect(page.text).toContain('<title>Налаштування застосунку-автентифікатора · Event Planner</title>');
    expect(page.text).toContain('<h1>Налаштування застосунку-автентифікатора</h1>');
    expect(page.text).toContain('aria-label="QR-код для вашого застосунку-автентифікатора"');
    expect(page.text).toContain('<summary>Не вдається відсканувати? Введіть натомість цей ключ</summary>');
    expect(page.text).toMatch(/<label for="code">Код із застосунку\s/);
    expect(page.text).toContain('<button type="submit">Увімкнути</button>');
    expect(page.text).not.toContain('Code from your app');

    const post = (code: string) =>
      agent
        .post('/accounts/2fa/totp/activate')
        .type('form')
        .send({ code, _csrf: csrfFrom(page.text) });
    const wrong = expectStatus(await post('000000'), 400);
    expect(wrong.text).toContain('<html lang="uk">');
    expect(wrong.text).toMatch(/<label for="code">Код із застосунку\s/);
    expect(wrong.text).toContain(
      '<small id="code-errors" class="field-error">Цей код неправильний. Введіть код, який застосунок показує зараз.</small>',
    );
    expect(wrong.text).not.toContain('That code is not right');
    expectNoKeys(wrong.text);

    const empty = expectStatus(await post(''), 400);
    expect(empty.text).toContain('Введіть шестизначний код, який показує застосунок.');
    expectNoKeys(empty.text);
  });

  it('asks for the second step of a log-in in Russian: the page, the trust plural, wrong codes', async () => {
    const owner = browser(app);
    const email = await signUpVerified(owner);
    expectStatus(await logIn(owner, email), 303);
    await enrolTotp(owner);

    const visitor = browser(app).set('Accept-Language', 'ru');
    await passwordStep(visitor, email);
    const page = expectStatus(await visitor.get('/accounts/2fa/authenticate'), 200);
    expect(page.text).toContain('<html lang="ru">');
    expect(page.text).toContain('<h1>Двухфакторная аутентификация</h1>');
    expect(page.text).toContain('<title>Двухфакторная аутентификация · Event Planner</title>');
    expect(page.text).toContain(
      'Пароль верный. Теперь введите шестизначный код, который ваше приложение-аутентификатор показывает для Event Planner.',
    );
    expect(page.text).toMatch(/<label for="code">Код из приложения\s/);
    // Markup of the catalogue's own (an _html key), not escaped.
    expect(page.text).toContain('(например, <code>abcde-12345</code>)');
    // MFA_TRUST_DAYS is 30: Russian's "many" form.
    expect(page.text).toContain('Доверять этому браузеру 30 дней (здесь этот шаг будет пропускаться)');
    expect(page.text).toContain('<button type="submit">Проверить</button>');
    expect(page.text).toContain('Отменить и выйти');
    expect(page.text).not.toContain('Trust this browser');

    const wrong = expectStatus(await secondStep(visitor, '000000'), 400);
    expect(wrong.text).toContain(
      'Этот код неверный (или уже использован). Проверьте приложение и попробуйте ещё раз.',
    );
    expectNoKeys(wrong.text);
    const notACode = expectStatus(await secondStep(visitor, 'x'.repeat(65)), 400);
    expect(notACode.text).toContain('Это не код из приложения и не резервный код.');
    expectNoKeys(notACode.text);
  });

  it("says what staff removed in a reset, in the member's language with its plural forms", () => {
    const removed = (count: number, language: 'uk' | 'ru') =>
      translateMessage(message('twoFactor.staffReset.totpAndPasskeys', { count }), language);
    expect(removed(2, 'uk')).toContain('застосунок-автентифікатор і 2 ключі доступу');
    expect(removed(5, 'uk')).toContain('і 5 ключів доступу');
    expect(removed(1, 'ru')).toContain('приложение-аутентификатор и 1 ключ доступа');
    expect(removed(5, 'ru')).toContain('и 5 ключей доступа');
  });

  it("gives the passkey script its messages in the page's language (data attributes)", async () => {
    const login = await browser(app).get('/accounts/login').set('Accept-Language', 'ru').expect(200);
    expect(login.text).toMatch(/<script src="\/static\/js\/passkeys\.js" defer data-passkey-messages/);
    expect(login.text).toContain(
      'data-invalid-state="На этом устройстве уже есть ключ доступа для вашей учётной записи."',
    );
    expect(login.text).toContain('data-failed="С ключом доступа что-то пошло не так. Попробуйте ещё раз."');

    const agent = browser(app).set('Accept-Language', 'uk');
    const email = await signUpVerified(agent);
    expectStatus(await logIn(agent, email), 303);
    const add = expectStatus(await agent.get('/accounts/2fa/webauthn/add'), 200);
    expect(add.text).toContain('<h1>Додати ключ доступу</h1>');
    expect(add.text).toContain('placeholder="напр. Мій телефон, YubiKey"');
    expect(add.text).toContain('data-not-allowed="Запит ключа доступу скасовано');
    // An answer that is no passkey: the service's message, in Ukrainian; the typed name kept, escaped.
    const refused = expectStatus(
      await submit(agent, '/accounts/2fa/webauthn/add', { name: '<b>Мій</b>', credential: '{}' }),
      400,
    );
    expect(refused.text).toContain('Не вдалося перевірити ключ доступу. Спробуйте ще раз.');
    expect(refused.text).toContain('value="&lt;b&gt;Мій&lt;/b&gt;"');
    expectNoKeys(refused.text);
  });

  it("shows an organizer's task page in Ukrainian, with the live script's words as data attributes", async () => {
    const owner = await createUser();
    const agent = browser(app).set('Accept-Language', 'uk');
    expectStatus(await logIn(agent, owner.email), 303);
    // Rows as the web process and the worker leave them (no worker runs here).
    const [running] = await sql<{ id: string }>(
      `INSERT INTO tasks (id, owner_id, kind, status, progress, updated_at)
       VALUES (gen_random_uuid(), $1, 'export_attendees_csv', 'running', 40, now()) RETURNING id`,
      [owner.id],
    );
    const [done] = await sql<{ id: string }>(
      `INSERT INTO tasks (id, owner_id, kind, status, progress, result, finished_at, updated_at)
       VALUES (gen_random_uuid(), $1, 'email_attendees', 'succeeded', 100,
               '{"message": "Надіслано 2 учасникам."}', now(), now()) RETURNING id`,
      [owner.id],
    );

    const live = expectStatus(await agent.get(`/tasks/${running.id}`), 200).text;
    expect(live).toContain('<title>Експорт учасників · Event Planner</title>');
    expect(live).toContain('aria-label="Прогрес"');
    expect(live).toMatch(/id="task-status"[^>]*>\s*Виконується… 40%\s*</);
    expect(live).toContain('data-pending="Очікує початку…"');
    expect(live).toContain('data-succeeded="Готово (100%)."');
    expect(live).toContain('<noscript><p>Оновіть сторінку, щоб побачити поточний прогрес.</p></noscript>');

    const finished = expectStatus(await agent.get(`/tasks/${done.id}`), 200).text;
    expect(finished).toContain('<h1>Лист учасникам</h1>');
    expect(finished).toMatch(/id="task-status"[^>]*>\s*Готово \(100%\)\. Надіслано 2 учасникам\.\s*</);
    expect(finished).not.toContain('Done (100%)');
  });
});
