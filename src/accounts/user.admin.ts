import {
  RegisterAdmin,
  type AdminAction,
  type AdminDeleteContext,
  type AdminRow,
  type FieldOverride,
  type ModelAdmin,
} from '../admin/model-admin';
import { EventsCache } from '../events/events.cache';
import { EventsService } from '../events/events.service';
import { RsvpService } from '../events/rsvp.service';
import type { FieldErrors } from '../web/forms';
import { emailProblem } from './email';
import type { SessionUser } from './session-user';

@RegisterAdmin()
export class UserAdmin implements ModelAdmin {
  readonly model = 'User';
  readonly module = 'Accounts';
  readonly reprField = 'email';
  readonly listDisplay = [
    'id',
    'email',
    'displayName',
    'isActive',
    'isStaff',
    'isSuperuser',
    'emailVerifiedAt',
    'lastLoginAt',
  ];
  readonly searchFields = ['email', 'displayName'];
  readonly listFilter = ['isActive', 'isStaff', 'isSuperuser', 'emailVerifiedAt', 'createdAt'];
  readonly ordering = ['-id'];
  readonly fields = [
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
  ];
  readonly readonlyFields = ['lastLoginAt', 'createdAt'];
  readonly secretFields = ['passwordHash'];
  // Granting permissions is for superusers: otherwise `user.change` would be a way to become one.
  readonly superuserOnlyFields = ['isSuperuser', 'groups', 'userPermissions'];
  readonly fieldOverrides: Record<string, FieldOverride> = {
    email: { label: 'E-mail address', help: 'Stored lower-cased; unique.' },
    isActive: { label: 'Active', help: 'Unticking this blocks log-in without deleting the account.' },
    isStaff: { label: 'Staff status', help: 'May log in to this admin site.' },
    isSuperuser: { label: 'Superuser status', help: 'Has every permission without assigning them.' },
    emailVerifiedAt: { label: 'E-mail verified at' },
    userPermissions: { label: 'User permissions' },
  };
  readonly actions: AdminAction[] = [
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
  ];

  constructor(
    private readonly rsvps: RsvpService,
    private readonly events: EventsService,
    private readonly cache: EventsCache,
  ) {}

  /** Nor may other staff edit, re-password or delete a superuser's account (a takeover path). */
  objectPermission(row: AdminRow, user: SessionUser): boolean {
    return user.isSuperuser || row.isSuperuser !== true;
  }

  /** The column has a CHECK (lower-case); Django's admin normalises the same way. */
  prepare(data: AdminRow): AdminRow {
    return typeof data.email === 'string' ? { ...data, email: data.email.trim().toLowerCase() } : data;
  }

  /** The address is held to sign-up's rules (plain ASCII, a real domain, at most 254 characters). */
  validate(data: AdminRow): FieldErrors {
    if (!('email' in data)) return {};
    const problem = emailProblem(data.email);
    return problem ? { email: [problem] } : {};
  }

  /** Pages of src/admin/admin-users.controller.ts. */
  objectLinks(_row: AdminRow, url: string) {
    return [
      { label: 'adminLabels.links.setPassword', href: `${url}/password`, permission: 'change' as const },
      { label: 'adminLabels.links.resetTwoFactor', href: `${url}/two-factor`, permission: 'change' as const },
    ];
  }

  /**
   * What the user leaves behind goes through the services that own it, not through the database's
   * cascade: their places at upcoming events are cancelled by the RSVP service (the going count
   * drops and the waitlist moves up, with its e-mail), and the events they organize are deleted by
   * the events service (attendees of published ones get the cancellation e-mail). Then the row
   * goes, with what cascades from it (tokens, memberships, past RSVPs). All in the transaction of
   * the admin-log entry: a failure anywhere leaves the user, their places and events as they were.
   */
  async deleteObject({ user, id, tx, afterCommit }: AdminDeleteContext): Promise<void> {
    const userId = Number(id);
    const places = await tx.rsvp.findMany({
      where: { userId, status: { in: ['going', 'waitlisted'] }, event: { startsAt: { gt: new Date() } } },
      select: { eventId: true },
    });
    for (const { eventId } of places) await this.rsvps.cancel(eventId, userId, { tx });
    const organized = await tx.event.findMany({ where: { organizerId: userId }, select: { id: true } });
    for (const event of organized) {
      await this.events.delete(event.id, { id: user.id, canChangeAnyEvent: true }, { tx });
    }
    await tx.user.delete({ where: { id: userId } });
    for (const eventId of [...places.map((place) => place.eventId), ...organized.map((event) => event.id)]) {
      afterCommit(() => this.cache.invalidate(eventId));
    }
  }
}
