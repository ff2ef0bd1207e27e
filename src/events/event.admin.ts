import {
  RegisterAdmin,
  type AdminAction,
  type AdminActionContext,
  type AdminDeleteContext,
  type AdminRow,
  type AdminUpdateContext,
  type FieldOverride,
  type InlineAdmin,
  type ModelAdmin,
} from '../admin/model-admin';
import type { RsvpStatus } from '../generated/prisma/client';
import type { SessionUser } from '../accounts/session-user';
import { message, translateMessage } from '../i18n/translator';
import type { FieldErrors } from '../web/forms';
import { EventsCache } from './events.cache';
import { EventsService, EventValidationError } from './events.service';
import { RsvpService } from './rsvp.service';
import { TIME_ZONES } from './event-view';

/** Staff act on any event here, as the organizer pages let staff with `event.change`. */
const staff = (user: SessionUser) => ({ id: user.id, canChangeAnyEvent: true });

@RegisterAdmin()
export class EventAdmin implements ModelAdmin {
  readonly model = 'Event';
  readonly module = 'Events';
  readonly reprField = 'title';
  readonly listDisplay = [
    'id',
    'title',
    'organizer',
    'category',
    'startsAt',
    'status',
    'capacity',
    'goingCount',
  ];
  readonly searchFields = ['title', 'organizer.email'];
  // Indexed orderings only (a million rows): by id, by start time, by organizer.
  readonly sortable = ['id', 'startsAt', 'organizer'];
  readonly listFilter = ['status', 'startsAt', 'category', 'organizer'];
  readonly ordering = ['-id'];
  readonly fields = [
    'title',
    'description',
    'location',
    'startsAt',
    'endsAt',
    'timeZone',
    'capacity',
    'categoryId',
    'organizerId',
    'status',
    'goingCount',
    'cancelledAt',
    'createdAt',
  ];
  // goingCount is kept by the RSVP service under a row lock; cancelling goes through the action,
  // which e-mails the attendees.
  readonly readonlyFields = ['status', 'goingCount', 'cancelledAt', 'createdAt'];
  readonly fieldOverrides: Record<string, FieldOverride> = {
    organizerId: { help: 'A user id; type an e-mail address to search.' },
    status: {
      help: 'Use the “Publish selected drafts” and “Cancel selected events” actions on the list (the latter e-mails the attendees).',
    },
    timeZone: {
      choices: TIME_ZONES,
      help: 'Where the event happens: the site shows its times in this zone. Times in this form are UTC.',
    },
  };
  readonly actions: AdminAction[] = [
    {
      name: 'publish_drafts',
      label: 'Publish selected drafts',
      permission: 'change',
      description: 'Drafts become listed and open to RSVPs (each must still start in the future).',
      run: (context) => this.publishDrafts(context),
    },
    {
      name: 'cancel_events',
      label: 'Cancel selected events',
      permission: 'change',
      description: 'Attendees who are going or waitlisted get the cancellation e-mail.',
      run: (context) => this.cancelEvents(context),
    },
  ];

  /**
   * The event's RSVPs on its change page. RSVPs keep the capacity, the waitlist and the going
   * count, under the event's lock, so every row is written through the RSVP service (staff with
   * the RSVP permissions; the RSVP's own admin forms stay read-only for the same reason).
   */
  readonly inlines: InlineAdmin[] = [
    {
      model: 'Rsvp',
      fk: 'eventId',
      fields: ['userId', 'status', 'respondedAt', 'reminderSentAt'],
      readonlyFields: ['respondedAt', 'reminderSentAt'],
      createOnlyFields: ['userId'],
      ordering: ['respondedAt'],
      extra: 1,
      canDelete: true,
      createObject: ({ tx, parentId, data }) =>
        this.rsvps.setStatusIn(tx, Number(parentId), Number(data.userId), data.status as RsvpStatus),
      updateObject: async ({ tx, parentId, before, data }) => {
        if (data.status !== undefined) {
          await this.rsvps.setStatusIn(
            tx,
            Number(parentId),
            Number(before.userId),
            data.status as RsvpStatus,
          );
        }
      },
      deleteObject: ({ tx, parentId, before }) =>
        this.rsvps.deleteIn(tx, Number(parentId), Number(before.userId)),
      validate: async (data, existing, parentId): Promise<FieldErrors> => {
        if (existing || parentId === undefined) return {};
        const taken = await this.rsvps.statusOf(Number(parentId), Number(data.userId));
        return taken ? { userId: [`This person already has an RSVP (${taken}).`] } : {};
      },
    },
  ];

  constructor(
    private readonly events: EventsService,
    private readonly cache: EventsCache,
    private readonly rsvps: RsvpService,
  ) {}

  validate(data: AdminRow): FieldErrors {
    const errors: FieldErrors = {};
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
  }

  private async publishDrafts({ user, tx, ids, language }: AdminActionContext): Promise<string> {
    const drafts = await tx.event.findMany({
      where: { id: { in: ids.map(Number) }, status: 'draft' },
      select: { id: true },
    });
    const refused: string[] = [];
    for (const { id } of drafts) {
      try {
        // Refused before it writes anything, so the transaction goes on with the others.
        await this.events.publish(id, staff(user), { tx });
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        // Its messages are catalogue keys, put into the one flash in the language of who acted.
        const reasons = Object.values(error.errors).flat();
        refused.push(`#${id}: ${reasons.map((text) => translateMessage(text, language)).join(' ')}`);
      }
    }
    const count = drafts.length - refused.length;
    return refused.length
      ? message('adminLabels.results.eventsPublishedRefused', { count, refused: refused.join('; ') })
      : message('adminLabels.results.eventsPublished', { count });
  }

  private async cancelEvents({ user, tx, ids }: AdminActionContext): Promise<string> {
    for (const id of ids) await this.events.cancel(Number(id), staff(user), { tx });
    return message('adminLabels.results.eventsCancelled', { count: ids.length });
  }

  /**
   * Through the events service, as the organizer pages and the API: capacity is checked under the
   * event's row lock, a larger capacity promotes the waitlist, attendees hear of changes, and a
   * cancelled event stays as it is; the admin may also hand it to another organizer. In the
   * transaction of the admin-log entry (the page cache is invalidated by onChange after it).
   */
  async updateObject({ user, id, data, before, tx, afterCommit }: AdminUpdateContext): Promise<void> {
    const { organizerId, ...values } = data;
    const changes = {
      ...values,
      ...(organizerId !== undefined && organizerId !== before.organizerId
        ? { organizerId: Number(organizerId) }
        : {}),
    };
    await this.events.update(Number(id), staff(user), changes, { tx, afterCommit });
  }

  /** As in the API: attendees of a published event get the cancellation e-mail; its cover goes. */
  async deleteObject({ user, id, tx, afterCommit }: AdminDeleteContext): Promise<void> {
    await this.events.delete(Number(id), staff(user), { tx, afterCommit });
  }

  objectLinks(row: AdminRow) {
    return [
      {
        label: 'adminLabels.links.viewOnSite',
        href: `/events/${String(row.id)}`,
        permission: 'view' as const,
      },
    ];
  }

  /** The public pages cache events in Redis. */
  async onChange({ ids }: { ids: readonly (string | number)[] }): Promise<void> {
    for (const id of ids) await this.cache.invalidate(Number(id));
  }
}
