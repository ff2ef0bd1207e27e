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
  // lock, with e-mails): editing RSVPs here would bypass it, so they are view-only.
  disallow: ['add', 'change', 'delete'],
};
