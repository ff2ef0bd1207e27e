import { EventsCache } from '../../events/events.cache';
import { EventsService, EventValidationError } from '../../events/events.service';
import { TIME_ZONES } from '../../events/event-view';
import type { ModelAdmin } from '../model-admin';

export const eventAdmin: ModelAdmin = {
  model: 'Event',
  module: 'Events',
  reprField: 'title',
  listDisplay: ['id', 'title', 'organizer', 'startsAt', 'status', 'capacity', 'goingCount'],
  searchFields: ['title', 'organizer.email'],
  // Indexed orderings only (a million rows): by id, by start time, by organizer.
  sortable: ['id', 'startsAt', 'organizer'],
  listFilter: ['status', 'startsAt', 'organizer'],
  ordering: ['-id'],
  fields: [
    'title',
    'description',
    'location',
    'startsAt',
    'endsAt',
    'timeZone',
    'capacity',
    'organizerId',
    'status',
    'goingCount',
    'cancelledAt',
    'createdAt',
  ],
  // goingCount is kept by the RSVP service under a row lock; cancelling goes through the action,
  // which e-mails the attendees.
  readonlyFields: ['status', 'goingCount', 'cancelledAt', 'createdAt'],
  fieldOverrides: {
    organizerId: { help: 'A user id; type an e-mail address to search.' },
    status: {
      help: 'Use the “Publish selected drafts” and “Cancel selected events” actions on the list (the latter e-mails the attendees).',
    },
    timeZone: {
      choices: TIME_ZONES,
      help: 'Where the event happens: the site shows its times in this zone. Times in this form are UTC.',
    },
  },
  validate: (data) => {
    const errors: Record<string, string[]> = {};
    const startsAt = data.startsAt as Date | undefined;
    const endsAt = data.endsAt as Date | undefined;
    if (startsAt && endsAt && endsAt <= startsAt) errors.endsAt = ['The event must end after it starts.'];
    // Null (an empty field) is no limit.
    const capacity = data.capacity as number | null | undefined;
    if (typeof capacity === 'number' && capacity < 1) errors.capacity = ['Ensure this value is at least 1.'];
    else if (typeof capacity === 'number' && capacity < Number(data.goingCount ?? 0)) {
      errors.capacity = [`${String(data.goingCount)} people are going: the capacity cannot be lower.`];
    }
    return errors;
  },
  actions: [
    {
      name: 'publish_drafts',
      label: 'Publish selected drafts',
      permission: 'change',
      description: 'Drafts become listed and open to RSVPs (each must still start in the future).',
      run: async ({ moduleRef, user, tx, ids }) => {
        const events = moduleRef.get(EventsService, { strict: false });
        const drafts = await tx.event.findMany({
          where: { id: { in: ids.map(Number) }, status: 'draft' },
          select: { id: true },
        });
        const refused: string[] = [];
        for (const { id } of drafts) {
          try {
            // Refused before it writes anything, so the transaction goes on with the others.
            await events.publish(id, { id: user.id, canChangeAnyEvent: true }, { tx });
          } catch (error) {
            if (!(error instanceof EventValidationError)) throw error;
            refused.push(`#${id}: ${Object.values(error.errors).flat().join(' ')}`);
          }
        }
        const published = `Published ${drafts.length - refused.length} draft(s).`;
        return refused.length ? `${published} Not published: ${refused.join('; ')}` : published;
      },
    },
    {
      name: 'cancel_events',
      label: 'Cancel selected events',
      permission: 'change',
      description: 'Attendees who are going or waitlisted get the cancellation e-mail.',
      run: async ({ moduleRef, user, tx, ids }) => {
        const events = moduleRef.get(EventsService, { strict: false });
        for (const id of ids)
          await events.cancel(Number(id), { id: user.id, canChangeAnyEvent: true }, { tx });
        return `Cancelled ${ids.length} event(s); attendees are being e-mailed.`;
      },
    },
  ],
  // Through the events service, as the organizer pages and the API: capacity is checked under the
  // event's row lock, a larger capacity promotes the waitlist, attendees hear of changes, and a
  // cancelled event stays as it is; the admin may also hand it to another organizer. In the
  // transaction of the admin-log entry (the page cache is invalidated by onChange after it).
  updateObject: async ({ moduleRef, user, id, data, before, tx }) => {
    const { organizerId, ...values } = data;
    const changes = {
      ...values,
      ...(organizerId !== undefined && organizerId !== before.organizerId
        ? { organizerId: Number(organizerId) }
        : {}),
    };
    await moduleRef
      .get(EventsService, { strict: false })
      .update(Number(id), { id: user.id, canChangeAnyEvent: true }, changes, { tx });
  },
  // As in the API: attendees of a published event get the cancellation e-mail.
  deleteObject: async ({ moduleRef, user, id, tx }) => {
    await moduleRef
      .get(EventsService, { strict: false })
      .delete(Number(id), { id: user.id, canChangeAnyEvent: true }, { tx });
  },
  objectLinks: (row) => [{ label: 'View on site', href: `/events/${String(row.id)}`, permission: 'view' }],
  // The public pages cache events in Redis.
  onChange: async ({ moduleRef, ids }) => {
    const cache = moduleRef.get(EventsCache, { strict: false });
    for (const id of ids) await cache.invalidate(Number(id));
  },
};
