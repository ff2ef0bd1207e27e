import { readdirSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { loadConfig } from '../../src/config/app-config';
import { CoreModule } from '../../src/core/core.module';
import { EventReminders } from '../../src/events/event-reminders';
import { EventsCoreModule } from '../../src/events/events-core.module';
import { ScheduleRegistry } from '../../src/jobs/scheduler/schedule.registry';
import { EMAIL_VIEWS_DIR } from '../../src/mail/mail-templates';
import { browser, expectStatus, logIn, sql, submit, uniqueEmail, type Agent } from '../accounts/support';
import { createUser, type TestUser } from '../admin/support';
import { eventually } from '../support/eventually';
import { startProcess, type RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { startWebApp } from '../support/web-app';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
const recipientOf = (mail: ParsedMail) => (mail.to && !Array.isArray(mail.to) ? mail.to.text : '');
const header = (mail: ParsedMail, name: string) => {
  const line = mail.headerLines.find((entry) => entry.key === name.toLowerCase());
  return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
};
const preferences = async (userId: number) =>
  (
    await sql<{ announcements: boolean; reminders: boolean }>(
      'SELECT email_announcements AS announcements, email_reminders AS reminders FROM users WHERE id = $1',
      [userId],
    )
  )[0];

describe('e-mail preferences and one-click unsubscribe (real PostgreSQL, Redis, worker, SMTP)', () => {
  const smtp = new SmtpSink();
  let app: NestExpressApplication;
  let worker: RunningProcess;
  let reminders: INestApplicationContext;
  let organizer: Agent;
  let eventId: number;
  const guests: Array<{ user: TestUser; agent: Agent }> = [];
  let subject = '';

  beforeAll(async () => {
    await smtp.start();
    const env = { SMTP_URL: smtp.url };
    app = await startWebApp(env);
    worker = startProcess('src/worker.ts', [], env);
    const moduleRef = await Test.createTestingModule({
      imports: [CoreModule.forRoot(loadConfig(process.env)), EventsCoreModule],
      providers: [EventReminders, ScheduleRegistry],
    }).compile();
    reminders = await moduleRef.init();
    await worker.waitForLine(/Worker ready/, 90_000);

    organizer = browser(app);
    expectStatus(
      await logIn(organizer, (await createUser({ email: uniqueEmail('pref-organizer') })).email),
      303,
    );
    const created = expectStatus(
      await submit(organizer, '/events/new', {
        title: 'Preferences party',
        description: 'Cake',
        location: 'Office',
        startsAt: inDays(5),
        endsAt: inDays(5.1),
        capacity: '10',
      }),
      303,
    );
    eventId = Number(created.headers.location.split('/').pop());
    for (let i = 0; i < 3; i += 1) {
      const user = await createUser({ email: uniqueEmail(`pref-guest${i}`) });
      const agent = browser(app);
      expectStatus(await logIn(agent, user.email), 303);
      expectStatus(await submit(agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`), 303);
      guests.push({ user, agent });
    }
  }, 150_000);

  afterAll(async () => {
    await worker?.stop();
    await reminders?.close();
    await app?.close();
    await smtp.stop();
  });

  it('the profile turns announcements and reminders off and on (unticked boxes are off)', async () => {
    const { user, agent } = guests[0];
    const page = (await agent.get('/accounts/profile').expect(200)).text;
    expect(page).toMatch(/name="announcements" value="on" checked/);
    expect(page).toMatch(/name="reminders" value="on" checked/);
    expectStatus(await submit(agent, '/accounts/profile', {}, '/accounts/profile/email'), 303);
    expect(await preferences(user.id)).toEqual({ announcements: false, reminders: false });
    const after = (await agent.get('/accounts/profile').expect(200)).text;
    expect(after).toContain('Your e-mail preferences have been saved.');
    expect(after).not.toMatch(/name="announcements" value="on" checked/);
    expectStatus(
      await submit(agent, '/accounts/profile', { reminders: 'on' }, '/accounts/profile/email'),
      303,
    );
    expect(await preferences(user.id)).toEqual({ announcements: false, reminders: true });
    // Without CSRF the form is refused.
    await agent.post('/accounts/profile/email').type('form').send({ announcements: 'on' }).expect(403);
    expect(await preferences(user.id)).toEqual({ announcements: false, reminders: true });
  });

  it('an announcement skips the opted-out (counted as skipped) and carries RFC 8058 headers with a signed link', async () => {
    await sql('UPDATE users SET email_announcements = false WHERE id = $1', [guests[0].user.id]);
    await sql('UPDATE users SET email_announcements = true WHERE id = ANY($1)', [
      guests.slice(1).map((guest) => guest.user.id),
    ]);
    subject = `Announcement ${Date.now()}`;
    const started = expectStatus(
      await submit(
        organizer,
        `/events/${eventId}/attendees`,
        { subject, message: 'Hello everyone' },
        `/events/${eventId}/email`,
      ),
      303,
    );
    const taskPath = started.headers.location as string;
    await eventually(async () => {
      const page = (await organizer.get(taskPath).expect(200)).text;
      expect(page).toContain('Done (100%)');
      expect(page).toContain('Sent to 2 attendees. Skipped 1 who turned announcements off.');
    }, 30_000);

    await smtp.waitUntil((messages) => messages.filter((m) => m.subject === subject).length === 2);
    const announcements = smtp.messages.filter((m) => m.subject === subject);
    expect(announcements.map(recipientOf).sort()).toEqual(
      guests
        .slice(1)
        .map((g) => g.user.email)
        .sort(),
    );
    for (const mail of announcements) {
      const userId = guests.find((guest) => guest.user.email === recipientOf(mail))!.user.id;
      const unsubscribe = header(mail, 'List-Unsubscribe');
      expect(unsubscribe).toMatch(
        new RegExp(`^<http://[^>]+/email/unsubscribe/${userId}\\.announcements\\.[A-Za-z0-9_-]{43}>$`),
      );
      expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      const url = unsubscribe!.slice(1, -1);
      expect(String(mail.html)).toContain(url);
      expect(mail.text).toContain(url);
    }
  });

  it('the signed link works without a session: GET asks, a one-click POST unsubscribes; a tampered link is refused', async () => {
    const mail = smtp.messages.find((m) => recipientOf(m) === guests[1].user.email && m.subject === subject)!;
    const url = new URL(header(mail, 'List-Unsubscribe')!.slice(1, -1));
    const anonymous = request(app.getHttpServer());
    const userId = guests[1].user.id;

    // Link checkers and previews GET links: that only shows the button.
    const page = await anonymous.get(url.pathname).expect(200);
    expect(page.text).toContain(`action="${url.pathname}"`);
    expect(page.text).toContain('announcements from event organizers');
    expect(await preferences(userId)).toMatchObject({ announcements: true });

    const [, token] = /\/email\/unsubscribe\/(.+)$/.exec(url.pathname)!;
    const [id, list, signature] = token.split('.');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const tampered = [
      `${id}.${list}.${flipped}`,
      `${guests[2].user.id}.${list}.${signature}`,
      `${id}.reminders.${signature}`,
      `${id}.${list}`,
      `${id}.${list}.${signature}x`,
    ];
    for (const bad of tampered) {
      await anonymous.get(`/email/unsubscribe/${bad}`).expect(400);
      await anonymous
        .post(`/email/unsubscribe/${bad}`)
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(400);
    }
    expect(await preferences(userId)).toMatchObject({ announcements: true, reminders: true });
    expect(await preferences(guests[2].user.id)).toMatchObject({ announcements: true });

    // What a mail client sends (RFC 8058): no cookie, no CSRF token.
    const done = await anonymous
      .post(url.pathname)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(done.text).toContain('You are unsubscribed');
    expect(await preferences(userId)).toEqual({ announcements: false, reminders: true });
    // Twice is harmless.
    await anonymous.post(url.pathname).expect(200);
  });

  it('reminders skip members who turned them off; the others carry the reminders link', async () => {
    // guests[0]: reminders on; guests[1]: on; guests[2]: off.
    await sql('UPDATE users SET email_reminders = false WHERE id = $1', [guests[2].user.id]);
    await sql('UPDATE users SET email_reminders = true WHERE id = ANY($1)', [
      [guests[0].user.id, guests[1].user.id],
    ]);
    const soon = expectStatus(
      await submit(organizer, '/events/new', {
        title: 'Soon party',
        description: 'Cake',
        location: 'Office',
        startsAt: inDays(0.5),
        endsAt: inDays(0.6),
        capacity: '10',
      }),
      303,
    );
    const soonId = Number(soon.headers.location.split('/').pop());
    for (const { agent } of guests) {
      expectStatus(await submit(agent, `/events/${soonId}`, {}, `/events/${soonId}/rsvp`), 303);
    }
    // guests[1] reads Russian: the worker renders their reminder in it.
    await sql("UPDATE users SET language = 'ru' WHERE id = $1", [guests[1].user.id]);
    // The worker's own schedule may run it too: each reminder is claimed once either way.
    await reminders.get(EventReminders).sendDue();
    const rows = await sql<{ to: string }>(
      `SELECT to_address AS to FROM outgoing_emails WHERE template = 'event_reminder'
       AND (context->'event'->>'id')::int = $1`,
      [soonId],
    );
    expect(rows.map((row) => row.to).sort()).toEqual([guests[0].user.email, guests[1].user.email].sort());
    const isReminder = (m: ParsedMail) =>
      recipientOf(m) === guests[0].user.email && m.subject === 'Tomorrow: Soon party';
    await smtp.waitUntil((messages) => messages.some(isReminder));
    const reminder = smtp.messages.find(isReminder)!;
    expect(header(reminder, 'List-Unsubscribe')).toContain(
      `/email/unsubscribe/${guests[0].user.id}.reminders.`,
    );
    expect(header(reminder, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const isRussian = (m: ParsedMail) =>
      recipientOf(m) === guests[1].user.email && m.subject === 'Завтра: Soon party';
    await smtp.waitUntil((messages) => messages.some(isRussian));
    const russian = smtp.messages.find(isRussian)!;
    expect(russian.text).toContain('Напоминаем: событие «Soon party» начинается');
    expect(russian.text).toContain('Отписаться от этих писем:');
  });

  it('transactional e-mail still goes to a member who turned everything off, without unsubscribe headers', async () => {
    const user = await createUser({ email: uniqueEmail('pref-transactional') });
    await sql('UPDATE users SET email_announcements = false, email_reminders = false WHERE id = $1', [
      user.id,
    ]);
    const agent = browser(app);
    expectStatus(await logIn(agent, user.email), 303);
    expectStatus(await submit(agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`), 303);
    await smtp.waitUntil((all) => all.some((m) => recipientOf(m) === user.email));
    const confirmation = smtp.messages.find((m) => recipientOf(m) === user.email)!;
    expect(confirmation.subject).toMatch(/Preferences party/);
    expect(header(confirmation, 'List-Unsubscribe')).toBeUndefined();
  });

  it('the development preview lists and renders every e-mail template; production answers 404', async () => {
    const names = readdirSync(EMAIL_VIEWS_DIR)
      .map((file) => /^(.+)\.subject\.hbs$/.exec(file)?.[1])
      .filter((name): name is string => Boolean(name));
    expect(names.length).toBeGreaterThan(10);
    const agent = request(app.getHttpServer());
    const index = (await agent.get('/dev/emails').expect(200)).text;
    expect(index).not.toContain('(no sample context)');
    for (const name of names) {
      expect(index).toContain(`href="/dev/emails/${name}"`);
      const page = (await agent.get(`/dev/emails/${name}`).expect(200)).text;
      expect(page).toContain(`src="/dev/emails/${name}/html?lang=en"`);
      const html = await agent.get(`/dev/emails/${name}/html`).expect(200);
      expect(html.text).toMatch(/^<!doctype html>/i);
    }
    const announcement = (await agent.get('/dev/emails/event_announcement').expect(200)).text;
    expect(announcement).toContain('List-Unsubscribe-Post');
    await agent.get('/dev/emails/nope').expect(404);
    const ukrainian = await agent.get('/dev/emails/verify-email/html?lang=uk').expect(200);
    expect(ukrainian.text).toContain('<html lang="uk">');
    expect(ukrainian.text).toContain('Підтвердити мою адресу');
    // Dates in the preview's language; the QR code shown inline, not as the attachment's cid:.
    const confirmation = (await agent.get('/dev/emails/rsvp_confirmation/html?lang=uk').expect(200)).text;
    expect(confirmation).toMatch(/нд, 14 бер\. 2027\sр\., 12:00 GMT\+1/);
    expect(confirmation).toContain('src="data:image/png;base64,');
    expect(confirmation).not.toContain('cid:');

    const production = await startWebApp({ NODE_ENV: 'production' });
    try {
      const anonymous = request(production.getHttpServer());
      await anonymous.get('/dev/emails').expect(404);
      await anonymous.get('/dev/emails/welcome').expect(404);
      await anonymous.get('/dev/emails/welcome/html').expect(404);
    } finally {
      await production.close();
    }
  });
});
