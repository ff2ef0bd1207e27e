import { message } from '../i18n/translator';
import {
  RegisterAdmin,
  type AdminAction,
  type AdminActionContext,
  type ModelAdmin,
} from '../admin/model-admin';
import { EventsCache } from './events.cache';
import { RsvpService } from './rsvp.service';

@RegisterAdmin()
export class RsvpAdmin implements ModelAdmin {
  readonly model = 'Rsvp';
  readonly module = 'Events';
  readonly label = 'RSVP';
  readonly labelPlural = 'RSVPs';
  readonly listDisplay = ['id', 'event', 'user', 'status', 'respondedAt', 'checkedInAt', 'reminderSentAt'];
  readonly searchFields = ['user.email', 'event.title'];
  readonly listFilter = ['status', 'respondedAt', 'checkedInAt', 'event'];
  readonly ordering = ['-id'];
  // Capacity, the waitlist and the event's going count are kept by the RSVP service (under a row
  // lock, with e-mails): the forms would bypass it, so RSVPs change only through this action.
  readonly disallow = ['add', 'change', 'delete'] as const;
  readonly actions: AdminAction[] = [
    {
      name: 'cancel_rsvps',
      label: 'Cancel selected RSVPs',
      permission: 'change',
      description: 'As if each person cancelled: freed places go to the waitlist, who are e-mailed.',
      run: (context) => this.cancel(context),
    },
  ];

  constructor(
    private readonly rsvps: RsvpService,
    private readonly cache: EventsCache,
  ) {}

  private async cancel({ tx, afterCommit, ids }: AdminActionContext): Promise<string> {
    const rows = await tx.rsvp.findMany({
      where: { id: { in: ids.map(Number) } },
      select: { eventId: true, userId: true },
    });
    let promoted = 0;
    for (const row of rows) {
      promoted += (await this.rsvps.cancel(row.eventId, row.userId, { tx })).promoted;
      afterCommit(() => this.cache.invalidate(row.eventId));
    }
    return message('adminLabels.results.rsvpsCancelled', { cancelled: rows.length, promoted });
  }
}
