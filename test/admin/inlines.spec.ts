import type { NestExpressApplication } from '@nestjs/platform-express';
import { expectStatus, lastEmail, sql, type Agent } from '../accounts/support';
import { startWebApp } from '../support/web-app';
import { adminLog, createUser, loggedIn, type TestUser } from './support';

function unescapeHtml(value: string): string {
  return value.replace(/&(#x([0-9a-f]+)|amp|quot|lt|gt|#39);/gi, (entity, _name: string, hex?: string) =>
    hex
      ? String.fromCodePoint(parseInt(hex, 16))
      : ({ '&amp;': '&', '&quot;': '"', '&lt;': '<', '&gt;': '>', '&#39;': "'" }[entity] ?? entity),
  );
}

/** The fields of the change page's form as a browser would post them unchanged. */
function formOf(html: string): Record<string, string> {
  const form = /<form method="post" action="[^"]*\/change" class="admin-form"[^>]*>([\s\S]*?)<\/form>/.exec(
    html,
  )?.[1];
  if (!form) throw new Error(`no change form in:\n${html.slice(0, 1500)}`);
  const attributes = (tag: string) =>
    Object.fromEntries(
      [...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name, value]) => [name, unescapeHtml(value)]),
    );
  const fields: Record<string, string> = {};
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const input = attributes(tag);
    if (!input.name) continue;
    if (input.type === 'checkbox') {
      if (/\schecked[\s>]/.test(tag)) fields[input.name] = 'on';
    } else fields[input.name] = input.value ?? '';
  }
  for (const [, tag, options] of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)"\s+selected/.exec(options);
    fields[attributes(tag).name] = selected ? unescapeHtml(selected[1]) : '';
  }
  for (const [, tag, text] of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    fields[attributes(tag).name] = unescapeHtml(text);
  }
  return fields;
}

/** The posted row index of the RSVP of `userId` (its hidden id field), from the form. */
function rowOf(fields: Record<string, string>, rsvpId: number): number {
  const entry = Object.entries(fields).find(
    ([name, value]) => /^rsvp-\d+-id$/.test(name) && value === String(rsvpId),
  );
  if (!entry) throw new Error(`RSVP ${rsvpId} is not in the form`);
  return Number(entry[0].split('-')[1]);
}

/**
 * Inlines (Django's TabularInline) on real PostgreSQL, Redis and the mail outbox: an event's RSVPs
 * edited on its change page, through the RSVP service (capacity, waitlist, going count, e-mails),
 * saved with the event in one transaction, each row checked against the RSVP permissions.
 */
describe('admin inlines: an event’s RSVPs on its change page', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  let organizer: TestUser;

  async function createEvent(capacity: number): Promise<number> {
    const [row] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       VALUES ($1, $2, now() + interval '10 days', now() + interval '10 days 2 hours', $3, now()) RETURNING id`,
      [organizer.id, `Inline ${Date.now()}`, capacity],
    );
    return row.id;
  }

  async function rsvps(eventId: number) {
    return sql<{ id: number; user_id: number; status: string }>(
      'SELECT id, user_id, status::text AS status FROM rsvps WHERE event_id = $1 ORDER BY id',
      [eventId],
    );
  }

  async function goingCount(eventId: number): Promise<number> {
    const [row] = await sql<{ going_count: number }>('SELECT going_count FROM events WHERE id = $1', [
      eventId,
    ]);
    return row.going_count;
  }

  async function page(agent: Agent, eventId: number) {
    const html = expectStatus(await agent.get(`/admin/event/${eventId}/change`), 200).text;
    return { html, fields: formOf(html) };
  }

  function save(agent: Agent, eventId: number, fields: Record<string, string>) {
    return agent.post(`/admin/event/${eventId}/change`).type('form').send(fields);
  }

  /** The form with `extra` new rows (user id and status) after the rows shown. */
  function withNewRows(fields: Record<string, string>, rows: { userId: string; status: string }[]) {
    const total = Object.keys(fields).filter((name) => /^rsvp-\d+-id$/.test(name)).length;
    const next: Record<string, string> = { ...fields, 'rsvp-TOTAL': String(total + rows.length) };
    rows.forEach((row, offset) => {
      next[`rsvp-${total + offset}-userId`] = row.userId;
      next[`rsvp-${total + offset}-status`] = row.status;
    });
    return next;
  }

  beforeAll(async () => {
    app = await startWebApp();
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
    organizer = await createUser();
  });
  afterAll(async () => {
    await app.close();
  });

  it('adds RSVPs with the event, through the RSVP service, logged for both', async () => {
    const eventId = await createEvent(2);
    const [ann, bob] = [await createUser(), await createUser()];
    await sql(`UPDATE users SET language = 'uk' WHERE id = $1`, [ann.id]);
    const { html, fields } = await page(admin, eventId);
    expect(html).toContain('<h2>RSVPs</h2>');
    expect(fields['rsvp-TOTAL']).toBe('1'); // no RSVPs yet, one empty row
    expect(html).toContain('name="rsvp-0-userId"');

    const response = await save(admin, eventId, {
      ...withNewRows({ ...fields, 'rsvp-TOTAL': '0' }, [
        { userId: String(ann.id), status: 'going' },
        { userId: String(bob.id), status: 'going' },
      ]),
      _continue: '1',
    });
    expectStatus(response, 303);
    const rows = await rsvps(eventId);
    expect(rows.map((row) => [row.user_id, row.status])).toEqual([
      [ann.id, 'going'],
      [bob.id, 'going'],
    ]);
    expect(await goingCount(eventId)).toBe(2);
    // As when they answer themselves: the confirmation e-mail is in the outbox.
    const mails = await sql('SELECT id FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
      ann.email,
      'rsvp_confirmation',
    ]);
    expect(mails).toHaveLength(1);
    // In her language, with her ticket (she has a place), as her own RSVP's would be.
    const mail = await lastEmail(ann.email, 'rsvp_confirmation');
    expect(mail).toMatchObject({ lang: 'uk', ticketPath: expect.stringMatching(/^\/tickets\//) });
    const [eventEntry] = await adminLog('Event', eventId);
    expect(eventEntry.action).toBe('change');
    expect(eventEntry.message).toMatch(/^Added RSVP “RSVP #\d+”; added RSVP “RSVP #\d+”\.$/);
    const [rsvpEntry] = await adminLog('Rsvp', rows[0].id);
    expect(rsvpEntry).toMatchObject({
      action: 'add',
      changes: { status: [null, 'going'], userId: [null, ann.id] },
    });

    // The change page now lists them, each with a delete box, and one new empty row.
    const after = await page(admin, eventId);
    expect(after.fields['rsvp-TOTAL']).toBe('3');
    expect(after.html).toContain(`name="rsvp-${rowOf(after.fields, rows[1].id)}-DELETE"`);
  });

  it('shows errors at the rows and saves nothing — not the event either — when any row is invalid', async () => {
    const eventId = await createEvent(2);
    const ann = await createUser();
    const { fields } = await page(admin, eventId);
    const title = fields.title;
    const response = expectStatus(
      await save(admin, eventId, {
        ...withNewRows({ ...fields, 'rsvp-TOTAL': '0' }, [
          { userId: String(ann.id), status: 'going' },
          { userId: 'someone', status: 'going' },
          { userId: '999999999', status: 'maybe' },
        ]),
        title: `${title} (renamed)`,
      }),
      400,
    );
    expect(response.text).toContain('Please correct the errors below.');
    expect(response.text).toMatch(/name="rsvp-1-userId" value="someone"[^>]*aria-invalid="true"/);
    expect(response.text).toContain('Enter a valid id.');
    expect(response.text).toMatch(
      /Select a valid choice\. &quot;maybe&quot; is not one of the available choices\./,
    );
    expect(await rsvps(eventId)).toEqual([]);
    const [event] = await sql<{ title: string }>('SELECT title FROM events WHERE id = $1', [eventId]);
    expect(event.title).toBe(title);
    expect(await adminLog('Event', eventId)).toEqual([]);
  });

  it('feature rules apply: a full event refuses “going” at that row, and the whole save rolls back', async () => {
    const eventId = await createEvent(1);
    const [ann, bob] = [await createUser(), await createUser()];
    const { fields } = await page(admin, eventId);
    const response = expectStatus(
      await save(admin, eventId, {
        ...withNewRows({ ...fields, 'rsvp-TOTAL': '0' }, [
          { userId: String(ann.id), status: 'going' },
          { userId: String(bob.id), status: 'going' },
        ]),
        title: 'Renamed in the same save',
      }),
      400,
    );
    expect(response.text).toContain('The event is full (1 going)');
    expect(response.text).toMatch(/name="rsvp-1-status"[^>]*aria-invalid="true"/);
    // Ann's RSVP was written before Bob's failed: rolled back with the title and every log entry.
    expect(await rsvps(eventId)).toEqual([]);
    expect(await goingCount(eventId)).toBe(0);
    const [event] = await sql<{ title: string }>('SELECT title FROM events WHERE id = $1', [eventId]);
    expect(event.title).not.toBe('Renamed in the same save');
    expect(await adminLog('Event', eventId)).toEqual([]);
    expect(
      await sql('SELECT id FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
        ann.email,
        'rsvp_confirmation',
      ]),
    ).toEqual([]);

    // Bob waits instead: valid, since the event is full.
    expectStatus(
      await save(admin, eventId, {
        ...withNewRows({ ...fields, 'rsvp-TOTAL': '0' }, [
          { userId: String(ann.id), status: 'going' },
          { userId: String(bob.id), status: 'waitlisted' },
        ]),
      }),
      303,
    );
    const rows = await rsvps(eventId);
    expect(rows.map((row) => row.status)).toEqual(['going', 'waitlisted']);

    // Cancelling Ann's row frees her place: Bob is promoted from the waitlist, and e-mailed.
    const again = await page(admin, eventId);
    const annRow = rowOf(again.fields, rows[0].id);
    expectStatus(
      await save(admin, eventId, { ...again.fields, [`rsvp-${annRow}-status`]: 'cancelled' }),
      303,
    );
    expect((await rsvps(eventId)).map((row) => row.status)).toEqual(['cancelled', 'going']);
    expect(await goingCount(eventId)).toBe(1);
    expect(
      await sql('SELECT id FROM outgoing_emails WHERE to_address = $1 AND template = $2', [
        bob.email,
        'event_promoted',
      ]),
    ).toHaveLength(1);
    const [change] = await adminLog('Rsvp', rows[0].id).then((entries) =>
      entries.filter((e) => e.action === 'change'),
    );
    expect(change.changes).toEqual({ status: ['going', 'cancelled'] });

    // Deleting Bob's row (going) gives his place back.
    const third = await page(admin, eventId);
    const bobRow = rowOf(third.fields, rows[1].id);
    expectStatus(await save(admin, eventId, { ...third.fields, [`rsvp-${bobRow}-DELETE`]: 'on' }), 303);
    expect((await rsvps(eventId)).map((row) => row.user_id)).toEqual([ann.id]);
    expect(await goingCount(eventId)).toBe(0);
    // His promotion was the RSVP service's doing, not an edit of his row: only his add and delete.
    expect((await adminLog('Rsvp', rows[1].id)).map((entry) => entry.action)).toEqual(['add', 'delete']);
  });

  it('checks the RSVP permissions per row on the server', async () => {
    const eventId = await createEvent(5);
    const ann = await createUser();
    const [rsvp] = await sql<{ id: number }>(
      `INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now()) RETURNING id`,
      [eventId, ann.id],
    );
    await sql('UPDATE events SET going_count = 1 WHERE id = $1', [eventId]);

    // event.change without any RSVP permission: no inline at all.
    const { agent: eventsOnly } = await loggedIn(app, { staff: true, permissions: ['event.change'] });
    const hidden = await page(eventsOnly, eventId);
    expect(hidden.html).not.toContain('<h2>RSVPs</h2>');
    // rsvp.view: the rows read-only, no row fields; a forged row is refused and nothing saved.
    const { agent: viewer } = await loggedIn(app, {
      staff: true,
      permissions: ['event.change', 'rsvp.view'],
    });
    const readOnly = await page(viewer, eventId);
    expect(readOnly.html).toContain('<h2>RSVPs</h2>');
    expect(readOnly.html).toContain(ann.email);
    expect(readOnly.fields['rsvp-TOTAL']).toBeUndefined();
    const bob = await createUser();
    const forgedAdd = withNewRows({ ...readOnly.fields, 'rsvp-TOTAL': '0' }, [
      { userId: String(bob.id), status: 'going' },
    ]);
    expectStatus(await save(viewer, eventId, forgedAdd), 403);
    expectStatus(
      await save(viewer, eventId, {
        ...readOnly.fields,
        'rsvp-TOTAL': '1',
        'rsvp-0-id': String(rsvp.id),
        'rsvp-0-status': 'cancelled',
      }),
      403,
    );
    // rsvp.change but not rsvp.delete: may change a row, a forged delete is refused.
    const { agent: changer } = await loggedIn(app, {
      staff: true,
      permissions: ['event.change', 'rsvp.change'],
    });
    const editable = await page(changer, eventId);
    expect(editable.html).toContain('name="rsvp-0-status"');
    expect(editable.html).not.toContain('name="rsvp-0-DELETE"');
    expect(editable.html).not.toContain('name="rsvp-1-userId"'); // no rsvp.add: no empty row
    expectStatus(await save(changer, eventId, { ...editable.fields, 'rsvp-0-DELETE': 'on' }), 403);
    expect(await rsvps(eventId)).toHaveLength(1);
    expect(await adminLog('Rsvp', rsvp.id)).toEqual([]);
    expectStatus(await save(changer, eventId, { ...editable.fields, 'rsvp-0-status': 'cancelled' }), 303);
    expect((await rsvps(eventId))[0].status).toBe('cancelled');
  });

  it('refuses a row of another event', async () => {
    const [mine, other] = [await createEvent(5), await createEvent(5)];
    const ann = await createUser();
    const [foreign] = await sql<{ id: number }>(
      `INSERT INTO rsvps (event_id, user_id, status, updated_at) VALUES ($1, $2, 'going', now()) RETURNING id`,
      [other, ann.id],
    );
    const { fields } = await page(admin, mine);
    const response = expectStatus(
      await save(admin, mine, {
        ...fields,
        'rsvp-TOTAL': '1',
        'rsvp-0-id': String(foreign.id),
        'rsvp-0-status': 'cancelled',
      }),
      400,
    );
    expect(response.text).toContain('This RSVP no longer exists');
    expect((await rsvps(other))[0].status).toBe('going');
  });
});
