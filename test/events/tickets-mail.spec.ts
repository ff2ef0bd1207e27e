import type { ParsedMail } from 'mailparser';
import QRCode from 'qrcode';
import {
  browser,
  csrfFrom,
  expectStatus,
  logIn,
  sql,
  submit,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
import { createUser } from '../admin/support';
import { startLiveApp, type LiveApp } from '../support/browser';
import { eventually } from '../support/eventually';
import { TicketSigner } from '../../src/events/tickets';
import { QR_PNG_OPTIONS } from '../../src/mail/mail.processor';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

interface Person {
  id: number;
  email: string;
  agent: Agent;
}

/**
 * What attendees receive, delivered for real: the web app, a worker process and an SMTP server.
 * The ticket's QR code is an inline PNG of the signed check-in URL; removals, promotions and the
 * waitlist audience reach the right people; the CSV export has check-in times.
 */
describe('tickets and organizer e-mails, delivered (worker, SMTP)', () => {
  let live: LiveApp;
  let signer: TicketSigner;
  let organizer: Person;
  let eventId: number;
  const people: Record<string, Person & { rsvpId?: number }> = {};

  async function person(name: string): Promise<Person> {
    const email = uniqueEmail(name.toLowerCase());
    const user = await createUser({ email });
    await sql('UPDATE users SET display_name = $1 WHERE id = $2', [name, user.id]);
    const agent = browser(live.web);
    expectStatus(await logIn(agent, email), 303);
    return { id: user.id, email, agent };
  }

  async function post(agent: Agent, page: string, action: string, form: Record<string, string> = {}) {
    const html = (await agent.get(page)).text;
    return agent
      .post(action)
      .type('form')
      .send({ ...form, _csrf: csrfFrom(html) });
  }

  async function rsvpId(guest: Person): Promise<number> {
    const [row] = await sql<{ id: number }>('SELECT id FROM rsvps WHERE event_id = $1 AND user_id = $2', [
      eventId,
      guest.id,
    ]);
    return row.id;
  }

  function qrAttachment(mail: ParsedMail) {
    const images = mail.attachments.filter((attachment) => attachment.contentType === 'image/png');
    expect(images).toHaveLength(1);
    return images[0];
  }

  async function finishedTask(agent: Agent, location: string): Promise<Record<string, unknown>> {
    const id = location.split('/').pop();
    let result: Record<string, unknown> = {};
    await eventually(async () => {
      const [task] = await sql<{ status: string; result: Record<string, unknown> }>(
        'SELECT status::text, result FROM tasks WHERE id = $1',
        [id],
      );
      expect(task.status).toBe('succeeded');
      result = task.result;
    }, 60_000);
    await agent.get(location).expect(200);
    return result;
  }

  beforeAll(async () => {
    live = await startLiveApp();
    signer = live.web.get(TicketSigner);
    organizer = await person('Oona');
    const created = expectStatus(
      await submit(organizer.agent, '/events/new', {
        title: 'Two-seat tasting',
        description: 'Wine.',
        location: 'Cellar',
        startsAt: inDays(4),
        endsAt: inDays(4.1),
        capacity: '2',
      }),
      303,
    );
    eventId = Number(created.headers.location.split('/').pop());
    for (const name of ['Gus', 'Hana', 'Ivo', 'Jade']) {
      people[name] = await person(name);
      expectStatus(
        await submit(people[name].agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`),
        303,
      );
      people[name].rsvpId = await rsvpId(people[name]);
    }
  }, 150_000);
  afterAll(async () => {
    await live?.close();
  });

  it('a going attendee’s confirmation shows the ticket as an inline QR code of the signed URL, and links it in the text', async () => {
    const mail = await live.mailTo(people.Gus.email, /You are going/);
    const url = `${live.base}${signer.path(eventId, people.Gus.rsvpId!)}`;
    const image = qrAttachment(mail);
    expect(image.contentDisposition).toBe('inline');
    expect(image.cid).toMatch(/^qr-1@/);
    // The PNG is exactly the QR code of the ticket's absolute URL.
    expect(image.content.equals(await QRCode.toBuffer(url, QR_PNG_OPTIONS))).toBe(true);
    expect(mail.html).toContain('alt="Your ticket’s QR code"');
    expect(mail.text).toContain(`Your ticket (show it at the door to be checked in`);
    expect(mail.text).toContain(url);
    // The ticket link was a sealed secret: erased from the outbox once sent.
    await eventually(async () => {
      const rows = await sql<{ sealed_secrets: string | null }>(
        `SELECT sealed_secrets FROM outgoing_emails WHERE to_address = $1 AND template = 'rsvp_confirmation'`,
        [people.Gus.email],
      );
      expect(rows).toEqual([{ sealed_secrets: null }]);
    });
  });

  it('a waitlisted attendee’s confirmation carries no ticket', async () => {
    const mail = await live.mailTo(people.Ivo.email, /waitlist/);
    expect(mail.attachments).toHaveLength(0);
    expect(mail.text).not.toContain('/tickets/');
    expect(mail.html).not.toContain('QR code');
  });

  it('removing an attendee e-mails them the reason and promotes the first on the waitlist, with a ticket', async () => {
    // Gus is checked in, then removed: the export below must not list him.
    await people.Gus.agent.get(`/events/${eventId}`);
    await organizer.agent.get(signer.path(eventId, people.Hana.rsvpId!)).expect(200);
    expectStatus(
      await post(
        organizer.agent,
        `/events/${eventId}/attendees`,
        `/events/${eventId}/attendees/${people.Gus.rsvpId}/remove`,
        {
          reason: 'Sold his seat to <someone> & left.',
        },
      ),
      303,
    );
    const removal = await live.mailTo(people.Gus.email, /You were removed from Two-seat tasting/);
    expect(removal.text).toContain('Their reason:\nSold his seat to <someone> & left.');
    expect(removal.html).toContain('Sold his seat to &lt;someone&gt; &amp; left.');
    const promoted = await live.mailTo(people.Ivo.email, /A spot opened up/);
    const image = qrAttachment(promoted);
    const url = `${live.base}${signer.path(eventId, people.Ivo.rsvpId!)}`;
    expect(image.content.equals(await QRCode.toBuffer(url, QR_PNG_OPTIONS))).toBe(true);
    expect(promoted.text).toContain(url);
  });

  it('an announcement to the waitlist reaches only the waitlist', async () => {
    const response = await post(organizer.agent, `/events/${eventId}/attendees`, `/events/${eventId}/email`, {
      subject: 'Waitlist news',
      message: 'One more seat may open on the day.',
      audience: 'waitlisted',
    });
    expectStatus(response, 303);
    const result = await finishedTask(organizer.agent, response.headers.location);
    expect(result).toMatchObject({ sent: 1 });
    const mail = await live.mailTo(people.Jade.email, /Waitlist news/);
    expect(mail.text).toContain('One more seat may open on the day.');
    const recipients = live.sink.messages
      .filter((message) => /Waitlist news/.test(message.subject ?? ''))
      .map((message) => JSON.stringify(message.to));
    expect(recipients).toHaveLength(1);
    expect(recipients[0]).toContain(people.Jade.email);
  });

  it('the CSV export has each attendee’s check-in time (empty when not checked in)', async () => {
    const response = await post(organizer.agent, `/events/${eventId}/attendees`, `/events/${eventId}/export`);
    expectStatus(response, 303);
    await finishedTask(organizer.agent, response.headers.location);
    const csv = await organizer.agent.get(`${response.headers.location}/download`).expect(200);
    // Plain cells here (no commas or quotes in these names and addresses): split is enough.
    const [header, ...lines] = csv.text
      .trim()
      .split(/\r?\n/)
      .map((line) => line.split(','));
    const rows = lines.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
    const [checkedIn] = await sql<{ checked_in_at: Date }>('SELECT checked_in_at FROM rsvps WHERE id = $1', [
      people.Hana.rsvpId,
    ]);
    const byEmail = Object.fromEntries(rows.map((row) => [row['E-mail'], row]));
    expect(Object.keys(byEmail).sort()).toEqual(
      [people.Hana.email, people.Ivo.email, people.Jade.email].sort(),
    );
    expect(byEmail[people.Hana.email]['Checked in (UTC)']).toBe(checkedIn.checked_in_at.toISOString());
    expect(byEmail[people.Ivo.email]['Checked in (UTC)']).toBe('');
    expect(byEmail[people.Jade.email]).toMatchObject({ Status: 'waitlisted', 'Checked in (UTC)': '' });
  });
});
