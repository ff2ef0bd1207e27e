import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  browser,
  csrfFrom,
  expectStatus,
  lastEmail,
  logIn,
  sessionCookie,
  sql,
  submit,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
import { createUser } from '../admin/support';
import { baseUrlOf, startWebApp } from '../support/web-app';
import { AppConfig } from '../../src/config/app-config';
import { TicketSigner } from '../../src/events/tickets';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

interface Person {
  id: number;
  email: string;
  agent: Agent;
  cookie: string;
}

/**
 * Check-in at the door, removing attendees, the waitlist audience and co-hosts, through the pages
 * (real PostgreSQL, Redis, sessions and CSRF). The e-mails are read from the outbox here; their
 * delivery (the QR code inline, over SMTP) is test/events/tickets-mail.spec.ts.
 */
describe('organizer tools: tickets and check-in, removing attendees, co-hosts', () => {
  let app: NestExpressApplication;
  let signer: TicketSigner;
  let organizer: Person;

  async function person(name: string): Promise<Person> {
    const email = uniqueEmail(name.split(' ')[0].toLowerCase());
    const user = await createUser({ email });
    await sql('UPDATE users SET display_name = $1 WHERE id = $2', [name, user.id]);
    const agent = browser(app);
    const login = expectStatus(await logIn(agent, email), 303);
    return { id: user.id, email, agent, cookie: sessionCookie(login) ?? '' };
  }

  async function createEvent(agent: Agent, overrides: Record<string, string> = {}): Promise<number> {
    const response = expectStatus(
      await submit(agent, '/events/new', {
        title: 'Pottery evening',
        description: 'Clay provided.',
        location: 'Studio 4',
        startsAt: inDays(3),
        endsAt: inDays(3.1),
        capacity: '10',
        ...overrides,
      }),
      303,
    );
    return Number(response.headers.location.split('/').pop());
  }

  async function rsvp(guest: Person, eventId: number): Promise<number> {
    expectStatus(await submit(guest.agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`), 303);
    const [row] = await sql<{ id: number }>('SELECT id FROM rsvps WHERE event_id = $1 AND user_id = $2', [
      eventId,
      guest.id,
    ]);
    return row.id;
  }

  async function checkedInAt(rsvpId: number): Promise<Date | null> {
    const [row] = await sql<{ checked_in_at: Date | null }>('SELECT checked_in_at FROM rsvps WHERE id = $1', [
      rsvpId,
    ]);
    return row.checked_in_at;
  }

  /** POSTs `form` with the CSRF token of `page` (the page a person would be on). */
  async function post(agent: Agent, page: string, action: string, form: Record<string, string> = {}) {
    const html = (await agent.get(page)).text;
    return agent
      .post(action)
      .type('form')
      .send({ ...form, _csrf: csrfFrom(html) });
  }

  beforeAll(async () => {
    app = await startWebApp();
    signer = app.get(TicketSigner);
    organizer = await person('Olga Organizer');
  });
  afterAll(async () => {
    await app.close();
  });

  describe('tickets', () => {
    let eventId: number;
    let guest: Person;
    let rsvpId: number;

    beforeAll(async () => {
      eventId = await createEvent(organizer.agent);
      guest = await person('Gina Guest');
      rsvpId = await rsvp(guest, eventId);
    });

    it('a going attendee gets a signed ticket in the confirmation (sealed) and on the event page', async () => {
      const path = signer.path(eventId, rsvpId);
      expect(path).toMatch(new RegExp(`^/tickets/${rsvpId}/[A-Za-z0-9_-]{22}$`));
      const mail = await lastEmail(guest.email, 'rsvp_confirmation');
      expect(mail?.ticketPath).toBe(path);
      // An entry credential: sealed in the outbox, never readable in its context.
      const [row] = await sql<{ context: string }>(
        `SELECT context::text FROM outgoing_emails WHERE to_address = $1 AND template = 'rsvp_confirmation'`,
        [guest.email],
      );
      expect(row.context).not.toContain('/tickets/');
      const page = (await guest.agent.get(`/events/${eventId}`).expect(200)).text;
      expect(page).toContain('Your ticket');
      expect(page).toContain(`href="${appUrl()}${path}"`);
      expect(page).toMatch(/<figure class="ticket-qr"[^>]*><svg/);
      // Others see no ticket.
      const other = await person('Nosy Neighbour');
      expect((await other.agent.get(`/events/${eventId}`).expect(200)).text).not.toContain('Your ticket');
      // The holder opening their own ticket sees it, and is not checked in by that.
      const own = (await guest.agent.get(path).expect(200)).text;
      expect(own).toContain('Your ticket');
      expect(await checkedInAt(rsvpId)).toBeNull();
    });

    it('opening a ticket as the organizer checks its holder in and shows who; again says since when', async () => {
      const path = signer.path(eventId, rsvpId);
      const first = (await organizer.agent.get(path).expect(200)).text;
      expect(first).toContain('Checked in');
      expect(first).toContain('Gina Guest');
      expect(first).toContain('<strong>1</strong> checked in of <strong>1</strong> going');
      const at = await checkedInAt(rsvpId);
      expect(at).toBeInstanceOf(Date);
      const again = (await organizer.agent.get(path).expect(200)).text;
      expect(again).toContain('Already checked in');
      expect(await checkedInAt(rsvpId)).toEqual(at);
      // Undo (a mistake at the door) clears it.
      expectStatus(await post(organizer.agent, path, `/events/${eventId}/check-in/${rsvpId}/undo`), 303);
      expect(await checkedInAt(rsvpId)).toBeNull();
    });

    it('a tampered ticket is refused as not valid, and checks nobody in', async () => {
      const signature = signer.sign(eventId, rsvpId);
      const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
      const tampered = await organizer.agent.get(`/tickets/${rsvpId}/${flipped}`);
      expectStatus(tampered, 400);
      expect(tampered.text).toContain('This is not a valid ticket');
      // Someone else's RSVP id with this signature, and a made-up id: the same answer.
      for (const id of [rsvpId + 1, 2_000_000_000]) {
        const response = await organizer.agent.get(`/tickets/${id}/${signature}`);
        expectStatus(response, 400);
        expect(response.text).toContain('This is not a valid ticket');
      }
      // Through the scanner field too.
      const scanned = await post(
        organizer.agent,
        `/events/${eventId}/check-in`,
        `/events/${eventId}/check-in/ticket`,
        {
          ticket: `${appUrl()}/tickets/${rsvpId}/${flipped}`,
        },
      );
      expectStatus(scanned, 400);
      expect(scanned.text).toContain('This is not a valid ticket');
      const garbage = await post(
        organizer.agent,
        `/events/${eventId}/check-in`,
        `/events/${eventId}/check-in/ticket`,
        {
          ticket: 'hello',
        },
      );
      expectStatus(garbage, 400);
      expect(garbage.text).toContain('Enter or scan a ticket');
      expect(await checkedInAt(rsvpId)).toBeNull();
    });

    it('a ticket of another event is refused at this door, naming that event', async () => {
      const otherEvent = await createEvent(organizer.agent, { title: 'Glazing workshop' });
      const otherGuest = await person('Otto Other');
      const otherRsvp = await rsvp(otherGuest, otherEvent);
      const response = await post(
        organizer.agent,
        `/events/${eventId}/check-in`,
        `/events/${eventId}/check-in/ticket`,
        { ticket: `${appUrl()}${signer.path(otherEvent, otherRsvp)}` },
      );
      expectStatus(response, 409);
      expect(response.text).toContain('This ticket is for another event: “Glazing workshop”');
      expect(response.text).toContain('Otto Other');
      expect(await checkedInAt(otherRsvp)).toBeNull();
      // The right door takes it (the scanner types the absolute URL).
      const right = await post(
        organizer.agent,
        `/events/${otherEvent}/check-in`,
        `/events/${otherEvent}/check-in/ticket`,
        { ticket: `${appUrl()}${signer.path(otherEvent, otherRsvp)}` },
      );
      expectStatus(right, 200);
      expect(right.text).toContain('Checked in');
      expect(await checkedInAt(otherRsvp)).toBeInstanceOf(Date);
    });

    it('a cancelled RSVP’s or a waitlisted ticket is refused with the reason', async () => {
      const small = await createEvent(organizer.agent, { capacity: '1' });
      const first = await person('Fay First');
      const second = await person('Sam Second');
      const firstRsvp = await rsvp(first, small);
      const secondRsvp = await rsvp(second, small);
      const waitlisted = await organizer.agent.get(signer.path(small, secondRsvp));
      expectStatus(waitlisted, 409);
      expect(waitlisted.text).toContain('on the waitlist, not going');
      // Sam is promoted when Fay cancels; Fay's ticket stops working.
      expectStatus(await submit(first.agent, `/events/${small}`, {}, `/events/${small}/rsvp/cancel`), 303);
      const cancelled = await organizer.agent.get(signer.path(small, firstRsvp));
      expectStatus(cancelled, 409);
      expect(cancelled.text).toContain('its holder cancelled their RSVP');
      expect(cancelled.text).toContain('Fay First');
      expect(await checkedInAt(firstRsvp)).toBeNull();
      expectStatus(await organizer.agent.get(signer.path(small, secondRsvp)), 200);
      // The cancelled holder's own look at it says so too.
      const own = await first.agent.get(signer.path(small, firstRsvp));
      expectStatus(own, 409);
      expect(own.text).toContain('does not admit you');
    });

    it('nobody else may check in: 403 on a published event, 404 on a draft, login first when signed out', async () => {
      const stranger = await person('Stan Stranger');
      const ticket = await stranger.agent.get(signer.path(eventId, rsvpId));
      expectStatus(ticket, 403);
      expect(ticket.text).toContain('Only the organizer and co-hosts of this event can check people in');
      expect(await checkedInAt(rsvpId)).toBeNull();
      expectStatus(await stranger.agent.get(`/events/${eventId}/check-in`), 403);
      expectStatus(await stranger.agent.get(`/events/${eventId}/check-in/live`), 403);
      const html = (await stranger.agent.get(`/events/${eventId}`)).text;
      for (const action of [`/events/${eventId}/check-in/${rsvpId}`, `/events/${eventId}/check-in/ticket`]) {
        const response = await stranger.agent
          .post(action)
          .type('form')
          .send({ _csrf: csrfFrom(html), ticket: signer.path(eventId, rsvpId) });
        expectStatus(response, 403);
      }
      expect(await checkedInAt(rsvpId)).toBeNull();
      const draft = await createEvent(organizer.agent, { status: 'draft' });
      expectStatus(await stranger.agent.get(`/events/${draft}/check-in`), 404);
      // Signed out: to the login page, coming back to the ticket afterwards.
      const anonymous = await browser(app).get(signer.path(eventId, rsvpId));
      expectStatus(anonymous, 303);
      expect(anonymous.headers.location).toContain(encodeURIComponent(signer.path(eventId, rsvpId)));
    });
  });

  describe('the check-in page', () => {
    let eventId: number;
    const rsvps: Record<string, number> = {};

    beforeAll(async () => {
      eventId = await createEvent(organizer.agent, { title: 'Door test' });
      for (const name of ['Alice Ashdown', 'Bob Birch', 'Carla Cole'])
        rsvps[name] = await rsvp(await person(name), eventId);
    });

    it('lists those going with counts, searches by name or e-mail, checks in and undoes without JavaScript', async () => {
      const page = (await organizer.agent.get(`/events/${eventId}/check-in`).expect(200)).text;
      expect(page).toContain('data-testid="checked-in-count">0</strong>');
      expect(page).toContain('data-testid="going-count">3</strong>');
      for (const name of Object.keys(rsvps)) expect(page).toContain(name);
      const found = (await organizer.agent.get(`/events/${eventId}/check-in?q=birch`).expect(200)).text;
      expect(found).toContain('Bob Birch');
      expect(found).not.toContain('Alice Ashdown');
      // By e-mail (the addresses start with the first name, lower case).
      const byEmail = (await organizer.agent.get(`/events/${eventId}/check-in?q=CARLA-`).expect(200)).text;
      expect(byEmail).toContain('Carla Cole');
      expect(byEmail).not.toContain('Bob Birch');
      const none = (await organizer.agent.get(`/events/${eventId}/check-in?q=zebedee`).expect(200)).text;
      expect(none).toContain('Nobody going matches “zebedee”');
      // A % in the search is a character, not a wildcard.
      expect((await organizer.agent.get(`/events/${eventId}/check-in?q=%25`).expect(200)).text).toContain(
        'Nobody going matches',
      );

      const response = await post(
        organizer.agent,
        `/events/${eventId}/check-in?q=birch`,
        `/events/${eventId}/check-in/${rsvps['Bob Birch']}`,
        { q: 'birch' },
      );
      expectStatus(response, 303);
      expect(response.headers.location).toBe(
        `/events/${eventId}/check-in?q=birch#rsvp-${rsvps['Bob Birch']}`,
      );
      const after = (await organizer.agent.get(response.headers.location.split('#')[0]).expect(200)).text;
      expect(after).toContain('Bob Birch is checked in.');
      expect(after).toContain('data-testid="checked-in-count">1</strong>');
      expect(await checkedInAt(rsvps['Bob Birch'])).toBeInstanceOf(Date);

      expectStatus(
        await post(
          organizer.agent,
          `/events/${eventId}/check-in`,
          `/events/${eventId}/check-in/${rsvps['Bob Birch']}/undo`,
        ),
        303,
      );
      expect(await checkedInAt(rsvps['Bob Birch'])).toBeNull();
    });

    it('answers check-in.js with JSON, and refuses a form without its CSRF token', async () => {
      const html = (await organizer.agent.get(`/events/${eventId}/check-in`)).text;
      const json = await organizer.agent
        .post(`/events/${eventId}/check-in/${rsvps['Carla Cole']}`)
        .set('Accept', 'application/json')
        .type('form')
        .send({ _csrf: csrfFrom(html) })
        .expect(200);
      expect(json.body).toMatchObject({
        message: 'Carla Cole is checked in.',
        attendee: { rsvpId: rsvps['Carla Cole'], checkedIn: true },
        counts: { going: 3, checkedIn: 1 },
      });
      expectStatus(
        await organizer.agent
          .post(`/events/${eventId}/check-in/${rsvps['Alice Ashdown']}`)
          .type('form')
          .send({}),
        403,
      );
      expect(await checkedInAt(rsvps['Alice Ashdown'])).toBeNull();
      // An RSVP of another event through this event's URL is not found, and changes nothing.
      const elsewhere = await createEvent(organizer.agent);
      expectStatus(
        await post(
          organizer.agent,
          `/events/${elsewhere}/check-in`,
          `/events/${elsewhere}/check-in/${rsvps['Alice Ashdown']}`,
        ),
        404,
      );
      expect(await checkedInAt(rsvps['Alice Ashdown'])).toBeNull();
    });

    it('streams the counts live (SSE through Redis): a check-in elsewhere reaches an open page', async () => {
      const cookie = organizer.cookie;
      const controller = new AbortController();
      const response = await fetch(`${baseUrlOf(app)}/events/${eventId}/check-in/live`, {
        headers: { Cookie: cookie },
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const next = async (until: (events: Array<Record<string, unknown>>) => boolean) => {
        for (;;) {
          const events = text
            .split('\n\n')
            .map((block) => /^data: (.*)$/m.exec(block)?.[1])
            .filter((data): data is string => Boolean(data))
            .map((data) => JSON.parse(data) as Record<string, unknown>);
          if (until(events)) return events;
          const chunk = await reader.read();
          if (chunk.done) throw new Error(`stream ended: ${text}`);
          text += decoder.decode(chunk.value);
        }
      };
      const [initial] = await next((events) => events.length >= 1);
      expect(initial).toEqual({ going: 3, checkedIn: 1 });
      // Another door (a co-organizer's phone) checks Alice in.
      const html = (await organizer.agent.get(`/events/${eventId}/check-in`)).text;
      await organizer.agent
        .post(`/events/${eventId}/check-in/${rsvps['Alice Ashdown']}`)
        .type('form')
        .send({ _csrf: csrfFrom(html) })
        .expect(303);
      const events = await next((all) => all.length >= 2);
      expect(events[1]).toMatchObject({
        going: 3,
        checkedIn: 2,
        changed: { rsvpId: rsvps['Alice Ashdown'], checkedIn: true },
      });
      // A new RSVP moves the going count on open pages too.
      await rsvp(await person('Late Larry'), eventId);
      const later = await next((all) => all.length >= 3);
      expect(later[2]).toEqual({ going: 4, checkedIn: 2 });
      controller.abort();
      await reader.cancel().catch(() => undefined);
    });
  });

  describe('removing an attendee', () => {
    it('cancels their RSVP in one go: the waitlist moves up, they are told why, and cannot RSVP again', async () => {
      const eventId = await createEvent(organizer.agent, { capacity: '1', title: 'Tiny tea party' });
      const going = await person('Rita Rude');
      const waiting = await person('Walt Waiting');
      const goingRsvp = await rsvp(going, eventId);
      const waitingRsvp = await rsvp(waiting, eventId);
      // Checked in already (an early arrival): removal clears it.
      await organizer.agent.get(signer.path(eventId, goingRsvp)).expect(200);

      const tooLong = await post(
        organizer.agent,
        `/events/${eventId}/attendees`,
        `/events/${eventId}/attendees/${goingRsvp}/remove`,
        {
          reason: 'x'.repeat(1001),
        },
      );
      expectStatus(tooLong, 400);
      expect(tooLong.text).toContain('Keep the reason under 1000 characters.');
      expect(
        (await sql<{ status: string }>('SELECT status FROM rsvps WHERE id = $1', [goingRsvp]))[0].status,
      ).toBe('going');

      const response = await post(
        organizer.agent,
        `/events/${eventId}/attendees`,
        `/events/${eventId}/attendees/${goingRsvp}/remove`,
        {
          reason: 'Rude to <staff> & other guests.',
        },
      );
      expectStatus(response, 303);
      const rows = await sql<{
        id: number;
        status: string;
        removed_at: Date | null;
        checked_in_at: Date | null;
      }>('SELECT id, status::text, removed_at, checked_in_at FROM rsvps WHERE event_id = $1 ORDER BY id', [
        eventId,
      ]);
      expect(rows).toEqual([
        { id: goingRsvp, status: 'cancelled', removed_at: expect.any(Date), checked_in_at: null },
        { id: waitingRsvp, status: 'going', removed_at: null, checked_in_at: null },
      ]);
      const [event] = await sql<{ going_count: number }>('SELECT going_count FROM events WHERE id = $1', [
        eventId,
      ]);
      expect(event.going_count).toBe(1);
      const removal = await lastEmail(going.email, 'event_removed');
      expect(removal).toMatchObject({ reason: 'Rude to <staff> & other guests.' });
      const promotion = await lastEmail(waiting.email, 'event_promoted');
      expect(promotion?.ticketPath).toBe(signer.path(eventId, waitingRsvp));
      const page = (await organizer.agent.get(`/events/${eventId}/attendees`).expect(200)).text;
      expect(page).toContain(
        'Rita Rude is removed and has been told by e-mail. The first person on the waitlist got their place.',
      );

      const again = await submit(going.agent, `/events/${eventId}`, {}, `/events/${eventId}/rsvp`);
      expectStatus(again, 403);
      expect(again.text).toContain('The organizer removed you from this event');
      // Removing twice: nothing left to remove.
      expectStatus(
        await post(
          organizer.agent,
          `/events/${eventId}/attendees`,
          `/events/${eventId}/attendees/${goingRsvp}/remove`,
        ),
        404,
      );
      // Someone who does not run the event cannot remove anyone.
      const html = (await waiting.agent.get(`/events/${eventId}`)).text;
      expectStatus(
        await waiting.agent
          .post(`/events/${eventId}/attendees/${waitingRsvp}/remove`)
          .type('form')
          .send({ _csrf: csrfFrom(html) }),
        403,
      );
      expect(
        (await sql<{ status: string }>('SELECT status FROM rsvps WHERE id = $1', [waitingRsvp]))[0].status,
      ).toBe('going');
    });

    it('a removal without a reason e-mails them without one', async () => {
      const eventId = await createEvent(organizer.agent);
      const guest = await person('Quiet Quentin');
      const rsvpId = await rsvp(guest, eventId);
      expectStatus(
        await post(
          organizer.agent,
          `/events/${eventId}/attendees`,
          `/events/${eventId}/attendees/${rsvpId}/remove`,
          { reason: '  ' },
        ),
        303,
      );
      expect(await lastEmail(guest.email, 'event_removed')).toMatchObject({ reason: '' });
    });
  });

  describe('e-mailing the waitlist', () => {
    it('the announcement form takes an audience; a wrong one is refused at the field', async () => {
      const eventId = await createEvent(organizer.agent);
      const page = (await organizer.agent.get(`/events/${eventId}/attendees`).expect(200)).text;
      expect(page).toContain('name="audience" value="waitlisted"');
      const bad = await post(organizer.agent, `/events/${eventId}/attendees`, `/events/${eventId}/email`, {
        subject: 'Hello',
        message: 'Hi',
        audience: 'everyone-on-earth',
      });
      expectStatus(bad, 400);
      expect(bad.text).toContain('Choose who gets the e-mail: going, waitlist or both.');
      const good = await post(organizer.agent, `/events/${eventId}/attendees`, `/events/${eventId}/email`, {
        subject: 'A spot may open',
        message: 'Hang on',
        audience: 'waitlisted',
      });
      expectStatus(good, 303);
      const [task] = await sql<{ input: { audience: string } }>(
        `SELECT input FROM tasks WHERE event_id = $1 AND kind = 'email_attendees'`,
        [eventId],
      );
      expect(task.input.audience).toBe('waitlisted');
    });
  });

  describe('co-hosts', () => {
    let eventId: number;
    let cohost: Person;
    let guest: Person;
    let guestRsvp: number;

    beforeAll(async () => {
      eventId = await createEvent(organizer.agent, { title: 'Co-hosted kiln firing' });
      cohost = await person('Cora Cohost');
      guest = await person('Greta Guest');
      guestRsvp = await rsvp(guest, eventId);
    });

    it('the organizer adds one by e-mail address; wrong addresses are refused at the field', async () => {
      const attendees = `/events/${eventId}/attendees`;
      for (const [email, message] of [
        ['not-an-address', 'Enter the e-mail address of their account.'],
        [uniqueEmail('nobody'), 'No account uses this e-mail address'],
        [organizer.email, 'This is the organizer'],
      ]) {
        const response = await post(organizer.agent, attendees, `/events/${eventId}/cohosts`, { email });
        expectStatus(response, 400);
        expect(response.text).toContain(message);
      }
      const added = await post(organizer.agent, attendees, `/events/${eventId}/cohosts`, {
        email: cohost.email.toUpperCase(),
      });
      expectStatus(added, 303);
      const dup = await post(organizer.agent, attendees, `/events/${eventId}/cohosts`, {
        email: cohost.email,
      });
      expectStatus(dup, 400);
      expect(dup.text).toContain('They are a co-host already.');
      expect(await lastEmail(cohost.email, 'event_cohost_added')).toMatchObject({
        organizerName: 'Olga Organizer',
      });
      const page = (await organizer.agent.get(attendees).expect(200)).text;
      expect(page).toContain('Cora Cohost');
    });

    it('a co-host sees the tools, edits, checks in and removes; cannot cancel the event or choose co-hosts', async () => {
      const show = (await cohost.agent.get(`/events/${eventId}`).expect(200)).text;
      expect(show).toContain(`href="/events/${eventId}/attendees"`);
      expect(show).toContain(`href="/events/${eventId}/check-in"`);
      expect(show).not.toContain(`href="/events/${eventId}/cancel"`);
      expect((await cohost.agent.get('/my/events').expect(200)).text).toContain('Co-hosted kiln firing');
      const edited = await submit(cohost.agent, `/events/${eventId}/edit`, {
        title: 'Co-hosted kiln firing (moved)',
        description: 'Clay provided.',
        location: 'Studio 4',
        startsAt: inDays(3),
        endsAt: inDays(3.1),
        capacity: '10',
        timeZone: 'UTC',
      });
      expectStatus(edited, 303);
      await cohost.agent.get(`/events/${eventId}/check-in`).expect(200);
      const checked = await cohost.agent.get(signer.path(eventId, guestRsvp)).expect(200);
      expect(checked.text).toContain('Greta Guest');
      expect(await checkedInAt(guestRsvp)).toBeInstanceOf(Date);
      // The organizer's own: cancelling, co-hosts.
      expectStatus(await cohost.agent.get(`/events/${eventId}/cancel`), 403);
      const html = (await cohost.agent.get(`/events/${eventId}/attendees`)).text;
      expect(html).not.toContain('Add co-host');
      for (const [action, form] of [
        [`/events/${eventId}/cancel`, {}],
        [`/events/${eventId}/cohosts`, { email: guest.email }],
        [`/events/${eventId}/cohosts/${cohost.id}/remove`, {}],
      ] as const) {
        const response = await cohost.agent
          .post(action)
          .type('form')
          .send({ ...form, _csrf: csrfFrom(html) });
        expectStatus(response, 403);
        expect(response.text).toContain('Only the organizer can do this.');
      }
      const [event] = await sql<{ status: string; title: string }>(
        'SELECT status::text, title FROM events WHERE id = $1',
        [eventId],
      );
      expect(event).toEqual({ status: 'published', title: 'Co-hosted kiln firing (moved)' });
      expect(await sql('SELECT 1 FROM event_cohosts WHERE event_id = $1', [eventId])).toHaveLength(1);
    });

    it('a co-host of one event runs no other, and loses access when removed', async () => {
      const other = await createEvent(organizer.agent);
      expectStatus(await cohost.agent.get(`/events/${other}/check-in`), 403);
      expectStatus(await cohost.agent.get(`/events/${other}/edit`), 403);
      expectStatus(
        await post(
          organizer.agent,
          `/events/${eventId}/attendees`,
          `/events/${eventId}/cohosts/${cohost.id}/remove`,
        ),
        303,
      );
      expectStatus(await cohost.agent.get(`/events/${eventId}/check-in`), 403);
      expectStatus(await cohost.agent.get(`/events/${eventId}/attendees`), 403);
      const ticket = await cohost.agent.get(signer.path(eventId, guestRsvp));
      expectStatus(ticket, 403);
    });
  });

  function appUrl(): string {
    return app.get(AppConfig).absoluteUrl('/').replace(/\/$/, '');
  }
});
