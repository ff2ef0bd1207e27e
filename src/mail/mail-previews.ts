/**
 * Sample contexts for the development preview of every e-mail template (/dev/emails), like Rails'
 * mailer previews: what each sender passes, with believable values. A template without a sample
 * still previews (with an empty context), and the preview test names it.
 */
const sampleEvent = {
  id: 1,
  title: 'Spring picnic by the river',
  location: 'Riverside park, north lawn',
  startsAt: 'Sun, 14 Mar 2027, 12:00 CET',
  endsAt: 'Sun, 14 Mar 2027, 16:00 CET',
  // What the templates format in the recipient's language (the texts above are the English ones).
  startsAtIso: '2027-03-14T11:00:00.000Z',
  endsAtIso: '2027-03-14T15:00:00.000Z',
  timeZone: 'Europe/Paris',
  path: '/events/1',
};

export const MAIL_PREVIEWS: Readonly<Record<string, Record<string, unknown>>> = {
  'account-exists': { displayName: 'Olena' },
  event_announcement: {
    name: 'Olena',
    recipientId: 1,
    subject: 'Bring a blanket',
    message: 'The forecast says sun. Bring a blanket and something to share.\nSee you there!',
    event: sampleEvent,
  },
  event_cancelled: { name: 'Olena', event: sampleEvent },
  event_cohost_added: { name: 'Olena', organizerName: 'Taras', event: sampleEvent },
  event_changed: { name: 'Olena', event: sampleEvent },
  event_promoted: { name: 'Olena', event: sampleEvent, ticketPath: '/tickets/1/preview' },
  event_reminder: { name: 'Olena', recipientId: 1, event: sampleEvent },
  event_removed: { name: 'Olena', reason: 'The venue holds fewer people than planned.', event: sampleEvent },
  'password-reset': {
    displayName: 'Olena',
    expiresInHours: 3,
    resetPath: '/accounts/password-reset/preview',
  },
  rsvp_confirmation: {
    name: 'Olena',
    waitlisted: false,
    event: sampleEvent,
    ticketPath: '/tickets/1/preview',
  },
  test: { sentBy: 'the e-mail preview' },
  'two-factor-changed': {
    displayName: 'Olena',
    headline: 'An authenticator app was added to your account.',
    detail: 'From now on, log-in asks for a code from it after your password.',
  },
  'verify-email': { displayName: 'Olena', expiresInHours: 72, verifyPath: '/accounts/verify-email/preview' },
  welcome: { displayName: 'Olena' },
};
