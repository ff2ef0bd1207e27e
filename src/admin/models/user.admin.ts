import { EventsService } from '../../events/events.service';
import { RsvpService } from '../../events/rsvp.service';
import { EventsCache } from '../../events/events.cache';
import type { ModelAdmin } from '../model-admin';

export const userAdmin: ModelAdmin = {
  model: 'User',
  module: 'Accounts',
  reprField: 'email',
  listDisplay: [
    'id',
    'email',
    'displayName',
    'isActive',
    'isStaff',
    'isSuperuser',
    'emailVerifiedAt',
    'lastLoginAt',
  ],
  searchFields: ['email', 'displayName'],
  listFilter: ['isActive', 'isStaff', 'isSuperuser', 'emailVerifiedAt', 'createdAt'],
  ordering: ['-id'],
  fields: [
    'email',
    'displayName',
    'isActive',
    'isStaff',
    'isSuperuser',
    'emailVerifiedAt',
    'groups',
    'userPermissions',
    'lastLoginAt',
    'createdAt',
  ],
  readonlyFields: ['lastLoginAt', 'createdAt'],
  secretFields: ['passwordHash'],
  // Granting permissions is for superusers: otherwise `user.change` would be a way to become one.
  superuserOnlyFields: ['isSuperuser', 'groups', 'userPermissions'],
  // Nor may other staff edit, re-password or delete a superuser's account (a takeover path).
  objectPermission: (row, user) => user.isSuperuser || row.isSuperuser !== true,
  fieldOverrides: {
    email: { label: 'E-mail address', help: 'Stored lower-cased; unique.' },
    isActive: { label: 'Active', help: 'Unticking this blocks log-in without deleting the account.' },
    isStaff: { label: 'Staff status', help: 'May log in to this admin site.' },
    isSuperuser: { label: 'Superuser status', help: 'Has every permission without assigning them.' },
    emailVerifiedAt: { label: 'E-mail verified at' },
    userPermissions: { label: 'User permissions' },
  },
  // The column has a CHECK (lower-case); Django's admin normalises the same way.
  prepare: (data) =>
    typeof data.email === 'string' ? { ...data, email: data.email.trim().toLowerCase() } : data,
  actions: [
    { name: 'activate', label: 'Activate selected users', permission: 'change', data: { isActive: true } },
    {
      name: 'deactivate',
      label: 'Deactivate selected users',
      permission: 'change',
      data: { isActive: false },
    },
    {
      name: 'mark_verified',
      label: 'Mark e-mail addresses verified',
      permission: 'change',
      data: { emailVerifiedAt: () => new Date() },
      where: { emailVerifiedAt: null },
    },
  ],
  objectLinks: (_row, url) => [{ label: 'Set password', href: `${url}/password`, permission: 'change' }],
  // What the user leaves behind goes through the services that own it, not through the database's
  // cascade: their places at upcoming events are cancelled by the RSVP service (the going count
  // drops and the waitlist moves up, with its e-mail), and the events they organize are deleted by
  // the events service (attendees of published ones get the cancellation e-mail). Then the row
  // goes, with what cascades from it (tokens, memberships, past RSVPs). All in the transaction of
  // the admin-log entry: a failure anywhere leaves the user, their places and events as they were.
  deleteObject: async ({ moduleRef, user, id, tx, afterCommit }) => {
    const userId = Number(id);
    const places = await tx.rsvp.findMany({
      where: { userId, status: { in: ['going', 'waitlisted'] }, event: { startsAt: { gt: new Date() } } },
      select: { eventId: true },
    });
    const rsvps = moduleRef.get(RsvpService, { strict: false });
    for (const { eventId } of places) await rsvps.cancel(eventId, userId, { tx });
    const organized = await tx.event.findMany({ where: { organizerId: userId }, select: { id: true } });
    const events = moduleRef.get(EventsService, { strict: false });
    for (const event of organized) {
      await events.delete(event.id, { id: user.id, canChangeAnyEvent: true }, { tx });
    }
    await tx.user.delete({ where: { id: userId } });
    const cache = moduleRef.get(EventsCache, { strict: false });
    for (const eventId of [...places.map((place) => place.eventId), ...organized.map((event) => event.id)]) {
      afterCommit(() => cache.invalidate(eventId));
    }
  },
};
