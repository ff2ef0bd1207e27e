import { EventsCache } from '../../events/events.cache';
import { RsvpService } from '../../events/rsvp.service';
import type { ModelAdmin } from '../model-admin';

export const rsvpAdmin: ModelAdmin = {
  model: 'Rsvp',
  module: 'Events',
  label: 'RSVP',
  labelPlural: 'RSVPs',
  listDisplay: ['id', 'event', 'user', 'status', 'respondedAt', 'reminderSentAt'],
  searchFields: ['user.email', 'event.title'],
  listFilter: ['status', 'respondedAt', 'event'],
  ordering: ['-id'],
  // Capacity, the waitlist and the event's going count are kept by the RSVP service (under a row
  // lock, with e-mails): the forms would bypass it, so RSVPs change only through this action.
  disallow: ['add', 'change', 'delete'],
  actions: [
    {
      name: 'cancel_rsvps',
      label: 'Cancel selected RSVPs',
      permission: 'change',
      description: 'As if each person cancelled: freed places go to the waitlist, who are e-mailed.',
      run: async ({ moduleRef, tx, afterCommit, ids }) => {
        const rsvps = moduleRef.get(RsvpService, { strict: false });
        const cache = moduleRef.get(EventsCache, { strict: false });
        const rows = await tx.rsvp.findMany({
          where: { id: { in: ids.map(Number) } },
          select: { eventId: true, userId: true },
        });
        let promoted = 0;
        for (const row of rows) {
          promoted += (await rsvps.cancel(row.eventId, row.userId, { tx })).promoted;
          afterCommit(() => cache.invalidate(row.eventId));
        }
        return `Cancelled ${rows.length} RSVP(s); ${promoted} waitlisted place(s) promoted.`;
      },
    },
  ],
};
