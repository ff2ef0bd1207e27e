import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { EventsService } from '../../src/events/events.service';
import { RsvpService } from '../../src/events/rsvp.service';
import { MailTemplates } from '../../src/mail/mail-templates';
import { PrismaService } from '../../src/prisma/prisma.service';
import { sql } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { createEvent, createUser } from './support';

const APP_URL = 'http://localhost:3000'; // TEST_ENV.APP_URL

interface Property {
  name: string;
  params: string;
  /** As written, escaped. */
  raw: string;
}

/**
 * Checks the physical form of an iCalendar body (CRLF line ends, lines of at most 75 octets,
 * continuation lines starting with a space or tab) and returns its unfolded content lines.
 */
function contentLines(body: string): string[] {
  expect(body.endsWith('\r\n')).toBe(true);
  const physical = body.slice(0, -2).split('\r\n');
  for (const line of physical) {
    expect(line).not.toMatch(/[\r\n]/);
    expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
  }
  return body
    .slice(0, -2)
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n');
}

/** `NAME;PARAMS:value` (a value may contain colons; these tests' parameters never quote one). */
function parse(line: string): Property {
  const match = /^([A-Z-]+)((?:;[^:]*)?):(.*)$/.exec(line);
  if (!match) throw new Error(`not a content line: ${line}`);
  return { name: match[1], params: match[2], raw: match[3] };
}

/** RFC 5545 TEXT unescaping (3.3.11): the test's oracle, independent of the library. */
function unescapeText(raw: string): string {
  return raw.replace(/\\([\\;,nN])/g, (_, char: string) => (char.toLowerCase() === 'n' ? '\n' : char));
}

/** The one VEVENT's properties by name (each expected once), after checking the envelope. */
function vevent(body: string): Map<string, Property> {
  const lines = contentLines(body);
  expect(lines[0]).toBe('BEGIN:VCALENDAR');
  expect(lines.at(-1)).toBe('END:VCALENDAR');
  expect(lines).toContain('VERSION:2.0');
  expect(lines.some((line) => line.startsWith('PRODID:'))).toBe(true);
  expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(1);
  expect(lines.filter((line) => line === 'END:VEVENT')).toHaveLength(1);
  const inner = lines.slice(lines.indexOf('BEGIN:VEVENT') + 1, lines.indexOf('END:VEVENT'));
  const properties = new Map<string, Property>();
  for (const line of inner) {
    const property = parse(line);
    expect(properties.has(property.name)).toBe(false);
    properties.set(property.name, property);
  }
  return properties;
}

function prop(properties: Map<string, Property>, name: string): Property {
  const property = properties.get(name);
  if (!property) throw new Error(`no ${name} in the VEVENT: ${[...properties.keys()].join(', ')}`);
  return property;
}

const utc = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

describe('"Add to calendar": GET /events/:id/calendar.ics (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await startWebApp();
    prisma = app.get(PrismaService);
  });
  afterAll(async () => {
    await app.close();
  });

  const download = (path: string) => request(app.getHttpServer()).get(path);

  it('is one RFC 5545 VEVENT: stable UID, UTC times, escaped and folded text, absolute URL', async () => {
    const organizer = await createUser(prisma, { displayName: 'Ada, the organizer' });
    const title = 'Fish, chips; <b>"quiz"</b> & more \\ night';
    const description = `First line, with a comma; and a semicolon.\nSecond line <script>x</script>\n\n${'Café ☕ — naïve résumé, ünïcödé; '.repeat(4)}`;
    const location = 'Hall A, floor 2; room <3>';
    const startsAt = new Date('2031-03-04T18:30:00.000Z');
    const event = await createEvent(prisma, organizer.id, { title, description, location, startsAt });

    const response = await download(`/events/${event.id}/calendar.ics`).expect(200);
    expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="event-${event.id}.ics"`);
    const body = response.text;
    expect(body).toMatch(/\r\n[ \t]/); // the long description really was folded
    const properties = vevent(body);

    expect(prop(properties, 'UID').raw).toBe(`event-${event.id}@localhost`);
    expect(prop(properties, 'DTSTART').raw).toBe('20310304T183000Z');
    expect(prop(properties, 'DTSTART').params).toBe('');
    expect(prop(properties, 'DTEND').raw).toBe(utc(event.endsAt));
    expect(prop(properties, 'DTEND').raw).toBe('20310304T203000Z');
    expect(prop(properties, 'DTSTAMP').raw).toMatch(/^\d{8}T\d{6}Z$/);
    expect(prop(properties, 'STATUS').raw).toBe('CONFIRMED');

    // Escaped exactly as RFC 5545 says, and back to the original text once unescaped.
    expect(prop(properties, 'SUMMARY').raw).toBe('Fish\\, chips\\; <b>"quiz"</b> & more \\\\ night');
    expect(unescapeText(prop(properties, 'SUMMARY').raw)).toBe(title);
    expect(prop(properties, 'LOCATION').raw).toBe('Hall A\\, floor 2\\; room <3>');
    expect(unescapeText(prop(properties, 'LOCATION').raw)).toBe(location);
    const eventUrl = `${APP_URL}/events/${event.id}`;
    expect(prop(properties, 'DESCRIPTION').raw).toContain(
      'First line\\, with a comma\\; and a semicolon.\\nSecond line <script>x</script>\\n\\nCafé ☕',
    );
    expect(unescapeText(prop(properties, 'DESCRIPTION').raw)).toBe(
      `${description.trim()}\n\nOrganized by Ada, the organizer\n\n${eventUrl}`,
    );
    expect(prop(properties, 'URL').raw).toBe(eventUrl);
    // No address to give, so no ORGANIZER (its value must be a URI).
    expect(properties.has('ORGANIZER')).toBe(false);

    // The same UID on the next download: a re-import updates the entry.
    const again = vevent((await download(`/events/${event.id}/calendar.ics`).expect(200)).text);
    expect(prop(again, 'UID').raw).toBe(`event-${event.id}@localhost`);
    expect(prop(again, 'SEQUENCE').raw).toBe(prop(properties, 'SEQUENCE').raw);
  });

  it('SEQUENCE grows after an edit and again after the cancellation, which says STATUS:CANCELLED', async () => {
    const organizer = await createUser(prisma);
    const event = await createEvent(prisma, organizer.id, { title: 'Before' });
    // Created an hour ago: the edit below is a whole number of seconds later.
    await sql(
      `UPDATE events SET created_at = created_at - interval '1 hour', updated_at = updated_at - interval '1 hour'
       WHERE id = $1`,
      [event.id],
    );
    const sequenceOf = async () => {
      const properties = vevent((await download(`/events/${event.id}/calendar.ics`).expect(200)).text);
      return { sequence: Number(prop(properties, 'SEQUENCE').raw), properties };
    };
    const first = await sequenceOf();
    expect(first.sequence).toBe(0);
    expect(prop(first.properties, 'SUMMARY').raw).toBe('Before');

    const events = app.get(EventsService);
    const actor = { id: organizer.id, canChangeAnyEvent: false };
    await events.update(event.id, actor, { title: 'After' });
    const edited = await sequenceOf();
    expect(edited.sequence).toBeGreaterThanOrEqual(3600);
    expect(prop(edited.properties, 'SUMMARY').raw).toBe('After');
    expect(prop(edited.properties, 'STATUS').raw).toBe('CONFIRMED');
    expect(edited.sequence).toBeLessThan(2 ** 31);

    await sql(`UPDATE events SET updated_at = updated_at - interval '1 minute' WHERE id = $1`, [event.id]);
    const before = (await sequenceOf()).sequence;
    await events.cancel(event.id, actor);
    const cancelled = await sequenceOf();
    expect(cancelled.sequence).toBeGreaterThan(before);
    expect(prop(cancelled.properties, 'STATUS').raw).toBe('CANCELLED');
    expect(prop(cancelled.properties, 'UID').raw).toBe(`event-${event.id}@localhost`);
  });

  it('is a 404 wherever the event page is one: unknown and malformed ids', async () => {
    const [{ max }] = await sql<{ max: number | null }>('SELECT max(id) AS max FROM events');
    await download(`/events/${(max ?? 0) + 1000}/calendar.ics`).expect(404);
    await download(`/events/${(max ?? 0) + 1000}`).expect(404);
    for (const id of ['abc', '0', '-1', '1.5', '99999999999', '2147483648', '1e3']) {
      await download(`/events/${id}/calendar.ics`).expect(404);
    }
  });

  it('the RSVP confirmation, promotion and reminder e-mails link to the calendar file', async () => {
    const organizer = await createUser(prisma);
    const event = await createEvent(prisma, organizer.id, { capacity: 1 });
    const going = await createUser(prisma);
    const waiting = await createUser(prisma);
    const rsvps = app.get(RsvpService);
    await rsvps.rsvp(event.id, going.id);
    await rsvps.rsvp(event.id, waiting.id);

    const templates = app.get(MailTemplates);
    const rendered = async (to: string, template: string) => {
      const [row] = await prisma.outgoingEmail.findMany({ where: { toAddress: to, template } });
      if (!row) throw new Error(`no ${template} e-mail to ${to}`);
      return templates.render(template, row.context as Record<string, unknown>);
    };
    const link = `${APP_URL}/events/${event.id}/calendar.ics`;

    const confirmation = await rendered(going.email, 'rsvp_confirmation');
    expect(confirmation.text).toContain(`Add it to your calendar: ${link}\n`);
    expect(confirmation.html).toContain(`Add it to your calendar: <a href="${link}">${link}</a>`);
    // The link answers with the file.
    const file = await download(new URL(link).pathname).expect(200);
    expect(file.headers['content-type']).toBe('text/calendar; charset=utf-8');

    // On the waitlist: no calendar entry yet; it comes with the promotion.
    const waitlisted = await rendered(waiting.email, 'rsvp_confirmation');
    expect(waitlisted.subject).toContain('waitlist');
    expect(waitlisted.text).not.toContain('calendar.ics');
    expect(waitlisted.html).not.toContain('calendar.ics');
    await rsvps.cancel(event.id, going.id);
    const promoted = await rendered(waiting.email, 'event_promoted');
    expect(promoted.text).toContain(`Add it to your calendar: ${link}\n`);
    expect(promoted.html).toContain(`<a href="${link}">`);

    // The reminder gets the same `event` context as the other event e-mails.
    const context = (
      await prisma.outgoingEmail.findFirstOrThrow({
        where: { toAddress: going.email, template: 'rsvp_confirmation' },
      })
    ).context as Record<string, unknown>;
    const reminder = templates.render('event_reminder', { name: 'Ada', event: context.event });
    expect(reminder.text).toContain(`Add it to your calendar: ${link}\n`);
    expect(reminder.html).toContain(`<a href="${link}">`);
  });
});
