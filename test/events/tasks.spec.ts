import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import {
  browser,
  expectStatus,
  logIn,
  sessionCookie,
  sql,
  submit,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
// Users straight in the database: with a worker running, sign-up links leave the outbox as soon as
// they are sent (sealed secrets are erased), and sign-up is not what this suite is about.
import { createUser } from '../admin/support';
import { startProcess, type RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { startWebApp } from '../support/web-app';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

interface ProgressEvent {
  status: string;
  progress: number;
  downloadUrl?: string | null;
}

function progressEvents(stream: string): ProgressEvent[] {
  return stream
    .split('\n\n')
    .map((block) => /^data: (.*)$/m.exec(block)?.[1])
    .filter((data): data is string => Boolean(data))
    .map((data) => JSON.parse(data) as ProgressEvent);
}

/** A server-sent events stream read to its end (the server closes it once the task is finished). */
function readStream(app: NestExpressApplication, path: string, cookie: string) {
  return request(app.getHttpServer())
    .get(path)
    .set('Cookie', cookie)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
}

describe('organizer tasks: worker, live progress over SSE through Redis, CSV, announcements', () => {
  const smtp = new SmtpSink();
  let replicaA: NestExpressApplication;
  let replicaB: NestExpressApplication;
  let worker: RunningProcess;
  let organizer: Agent;
  let organizerCookie: string;
  let eventId: number;
  const guests: string[] = [];

  beforeAll(async () => {
    const port = await smtp.start();
    const env = { SMTP_URL: `smtp://127.0.0.1:${port}` };
    replicaA = await startWebApp(env);
    replicaB = await startWebApp(env);
    worker = startProcess('src/worker.ts', [], env);
    await worker.waitForLine(/Worker ready/, 90_000);

    organizer = browser(replicaA);
    const email = (await createUser({ email: uniqueEmail('tasks-organizer') })).email;
    const login = expectStatus(await logIn(organizer, email), 303);
    organizerCookie = sessionCookie(login) ?? '';
    const created = expectStatus(
      await submit(organizer, '/events/new', {
        title: 'Release <party>',
        description: 'Cake',
        location: 'Office',
        startsAt: inDays(5),
        endsAt: inDays(5.1),
        capacity: '10',
      }),
      303,
    );
    eventId = Number(created.headers.location.split('/').pop());
    for (const name of ['=HYPERLINK("http://evil.example","click")', '@SUM(1+1)', '+1-555', 'Plain Name']) {
      const agent = browser(replicaA);
      const guestEmail = (await createUser({ email: uniqueEmail('tasks-guest') })).email;
      expectStatus(await logIn(agent, guestEmail), 303);
      await sql('UPDATE users SET display_name = $1 WHERE email = $2', [name, guestEmail]);
      expectStatus(await submit(agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`), 303);
      guests.push(guestEmail);
    }
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await replicaA?.close();
    await replicaB?.close();
    await smtp.stop();
  });

  it('exports attendees as CSV: progress streamed by another replica, formulas neutralised, owner-only, expiring', async () => {
    const started = expectStatus(
      await submit(organizer, `/events/${eventId}/attendees`, {}, `/events/${eventId}/export`),
      303,
    );
    const taskPath = started.headers.location as string;
    expect(taskPath).toMatch(/^\/tasks\/[0-9a-f-]{36}$/);

    // The stream is served by replica B; the worker's updates reach it through Redis pub/sub.
    const stream = await readStream(replicaB, `${taskPath}/events`, organizerCookie)
      .expect(200)
      .expect('content-type', /text\/event-stream/);
    const events = progressEvents(stream.body as string);
    expect(events.at(-1)).toMatchObject({ status: 'succeeded', progress: 100 });

    // Without JavaScript, a refresh shows the final state and the link.
    const page = await organizer.get(taskPath).expect(200);
    expect(page.text).toContain('Done (100%)');
    expect(page.text).toContain(`${taskPath}/download`);

    const csv = await organizer
      .get(`${taskPath}/download`)
      .expect(200)
      .expect('content-type', /text\/csv/);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv.text).toContain(`'@SUM(1+1)`);
    expect(csv.text).toContain(`'+1-555`);
    expect(csv.text).toMatch(/^Name,E-mail,Status,RSVP time \(UTC\)/);
    for (const line of csv.text.trim().split('\n').slice(1)) expect(line).not.toMatch(/^[=+\-@]/);

    const stranger = browser(replicaA);
    const strangerEmail = (await createUser({ email: uniqueEmail('stranger') })).email;
    expectStatus(await logIn(stranger, strangerEmail), 303);
    await stranger.get(`${taskPath}/download`).expect(404);
    await stranger.get(taskPath).expect(404);
    await stranger.get(`${taskPath}/events`).expect(404);
    await request(replicaA.getHttpServer()).get(`${taskPath}/download`).expect(303);

    await sql(`UPDATE tasks SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      taskPath.split('/').pop(),
    ]);
    await organizer.get(`${taskPath}/download`).expect(410);
  });

  it('e-mails all attendees with live progress to 100%; the message arrives escaped', async () => {
    const bad = await submit(
      organizer,
      `/events/${eventId}/attendees`,
      { subject: '', message: '' },
      `/events/${eventId}/email`,
    );
    expectStatus(bad, 400);
    expect(bad.text).toContain('The subject must be between 3 and 150 characters.');

    const started = expectStatus(
      await submit(
        organizer,
        `/events/${eventId}/attendees`,
        { subject: 'Bring <b>snacks</b>', message: 'See you <script>x()</script> soon' },
        `/events/${eventId}/email`,
      ),
      303,
    );
    const taskPath = started.headers.location as string;
    const stream = await readStream(replicaB, `${taskPath}/events`, organizerCookie).expect(200);
    expect(progressEvents(stream.body as string).at(-1)).toMatchObject({
      status: 'succeeded',
      progress: 100,
    });
    expect((await organizer.get(taskPath)).text).toContain('Sent to 4 attendees.');

    await smtp.waitUntil(
      (messages) =>
        messages.filter((mail) => mail.subject === 'Bring <b>snacks</b>').length === guests.length,
    );
    const received = smtp.messages.filter((mail) => mail.subject === 'Bring <b>snacks</b>');
    expect(received.map((mail) => (mail.to && !Array.isArray(mail.to) ? mail.to.text : '')).sort()).toEqual(
      [...guests].sort(),
    );
    const html = String(received[0].html);
    expect(html).toContain('See you &lt;script&gt;x()&lt;/script&gt; soon');
    expect(html).toContain('Release &lt;party&gt;');
    expect(html).not.toContain('<script>');
  });
});
