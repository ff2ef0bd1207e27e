import { languageOf } from '../i18n/languages';
import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EventStatus, Prisma, RsvpStatus, type Event } from '../generated/prisma/client';
import { message } from '../i18n/translator';
import { PrismaService, type PreparedStatement } from '../prisma/prisma.service';
import type { FieldErrors } from '../web/forms';
import { CATEGORY_MESSAGE, crossFieldErrors, type EventValues } from './event.dto';
import { EVENT_MAILER, type EventMailer } from './event-mailer';
import {
  eventMailContext,
  eventSummaryView,
  zoneLabel,
  type EventSummaryRow,
  type EventDetailView,
  type EventSummaryView,
} from './event-view';
import { CoverImages } from './cover-images';
import { mayDo, type Actor, type EventPermission } from './event-permissions';
import { deepFreeze, EventsCache } from './events.cache';
import { renderMarkdown } from './markdown';
import { TicketSigner } from './tickets';
import { hasRoom, lockEvent, promoteFromWaitlist, TX_OPTIONS, type WriteOptions } from './rsvp.service';

export const PAGE_SIZE = 20;
/** First pages of upcoming events kept, by their JSON text (see firstPageOf). */
const FIRST_PAGES_KEPT = 16;

/** What a new or edited event can be set to by its organizer (cancelling has its own path). */
export type PublishState = 'published' | 'draft';

export type { Actor } from './event-permissions';

export interface EventListPage {
  events: EventSummaryView[];
  page: number;
  hasNext: boolean;
  hasPrev: boolean;
}

export interface ListOptions {
  page?: number;
  pageSize?: number;
  query?: string;
  from?: Date;
  to?: Date;
  organizerId?: number;
  /** Only events of this category (its id). */
  categoryId?: number;
  /** Only events on or after / on or before this day ("YYYY-MM-DD"), as dated where they happen. */
  fromDay?: string;
  toDay?: string;
  /** The archive: events that have started, most recent first (instead of upcoming, soonest first). */
  past?: boolean;
}

/** An instant as the ISO text `Date.toISOString` writes, from PostgreSQL (`column` a timestamptz). */
const isoText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * What every list shows of an event: its own columns and its category ("e": events, "c":
 * categories), the start as the ISO text the page shows: node-postgres's parsing of 21 timestamps,
 * then their formatting again, were ~20 % of the home page query's CPU in this process.
 */
const LIST_COLUMNS = `e.id, e.title, e.location, ${isoText('e.starts_at')} AS "startsAt",
       e.time_zone AS "timeZone", e.capacity, e.going_count AS "goingCount", e.status::text AS status,
       c.name AS "categoryName", c.slug AS "categorySlug", e.cover_image AS "coverImage"`;

/** Upcoming published events ($1 now), soonest first. */
const UPCOMING_ROWS = `FROM events e LEFT JOIN event_categories c ON c.id = e.category_id
         WHERE e.status = 'published' AND e.starts_at > $1
         ORDER BY e.starts_at, e.id`;

/**
 * The first page of upcoming published events ($1 now): the home page's query, the hottest of the
 * app. Its size is written into the text, with no OFFSET, so that PostgreSQL plans it once per
 * connection: with a LIMIT or OFFSET parameter the generic plan's estimate (10 % of the rows) never
 * beats a custom plan's, and PostgreSQL planned the statement again on every execution, which was
 * ~90 µs of its ~140 µs of server CPU per query on 1M events.
 */
export const UPCOMING_FIRST_PAGE: PreparedStatement = {
  name: 'events_upcoming_first_page_v3',
  // As one JSON text (in the list's order), like the event page's statement: node-postgres's
  // handling of 21 rows of 11 columns cost this process ~20 % more than JSON.parse of the same.
  // Each row also carries its sort key ("sortStart"), which the views do not read.
  text: `SELECT coalesce(json_agg(x ORDER BY x."sortStart", x.id), '[]')::text AS "json"
         FROM (SELECT ${LIST_COLUMNS}, e.starts_at AS "sortStart" ${UPCOMING_ROWS} LIMIT ${PAGE_SIZE + 1}) x`,
};

/** A later page of them ($1 now, $2 limit, $3 offset): planned per execution, as above. */
const UPCOMING_PAGE: PreparedStatement = {
  name: 'events_upcoming_page_v4',
  text: `SELECT ${LIST_COLUMNS} ${UPCOMING_ROWS} LIMIT $2 OFFSET $3`,
};

/** The widest UTC offsets in use (Kiribati +14, Baker Island -12): local dates ↔ instants. */
const MAX_AHEAD_MS = 14 * 3600_000;
const MAX_BEHIND_MS = 12 * 3600_000;
const DAY_MS = 86_400_000;

/** What EVENT_DETAIL gives for an event: its list columns (the start as ISO text) and the page's. */
type EventDetailRow = EventSummaryRow & {
  description: string;
  endsAt: string;
  categoryId: number | null;
  organizerId: number;
  organizerName: string;
  waitlistCount: number;
};

/**
 * One event's page data: the event, its organizer's name and waitlist size, in one statement, as
 * one JSON text (starts and ends as ISO text). node-postgres handles a result's 17 column
 * descriptions again on every execution; one column and JSON.parse cost this process ~30 % less
 * CPU per query (PostgreSQL ~10 % more), and this process is what limits the page.
 */
const EVENT_DETAIL: PreparedStatement = {
  name: 'events_detail_v4',
  text: `SELECT row_to_json(d)::text AS "json" FROM (
           SELECT ${LIST_COLUMNS}, e.description,
                  ${isoText('e.ends_at')} AS "endsAt",
                  e.category_id AS "categoryId", e.organizer_id AS "organizerId",
                  COALESCE(NULLIF(u.display_name, ''), split_part(u.email, '@', 1)) AS "organizerName",
                  (SELECT count(*)::int FROM rsvps r
                    WHERE r.event_id = e.id AND r.status = 'waitlisted') AS "waitlistCount"
           FROM events e JOIN users u ON u.id = e.organizer_id
                LEFT JOIN event_categories c ON c.id = e.category_id
           WHERE e.id = $1) d`,
};

/** The same expression as the GIN index "events_search_idx", so the index is used. */
const SEARCH_DOCUMENT = Prisma.sql`to_tsvector('english'::regconfig, e."title" || ' ' || e."description" || ' ' || e."location")`;

/** Field errors the caller shows at the fields (a 400 in the API, the form again on pages). */
export class EventValidationError extends Error {
  constructor(readonly errors: FieldErrors) {
    super('Invalid event');
  }
}

@Injectable()
export class EventsService {
  private readonly firstPages: Array<{ json: string; page: EventListPage }> = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: EventsCache,
    @Inject(EVENT_MAILER) private readonly mailer: EventMailer,
    private readonly tickets: TicketSigner,
    private readonly covers: CoverImages,
  ) {}

  /** A list's view of an event, with its cover's addresses. */
  private summary(row: EventSummaryRow): EventSummaryView {
    return { ...eventSummaryView(row), cover: this.covers.urls(row.coverImage) };
  }

  /**
   * Published events, a page of them: upcoming soonest first, or (`past`) the archive of those that
   * have started, most recent first. The first pages of the plain upcoming list come from Redis;
   * any filter or search goes to PostgreSQL (those lists are too many to cache, and each is one
   * indexed query).
   */
  async listUpcoming(options: ListOptions = {}): Promise<EventListPage> {
    const page = Math.max(1, Math.floor(options.page ?? 1));
    const query = (options.query ?? '').trim();
    const plain =
      !query &&
      !options.from &&
      !options.to &&
      options.organizerId === undefined &&
      options.categoryId === undefined &&
      !options.fromDay &&
      !options.toDay &&
      !options.past;
    const cacheable =
      plain && (options.pageSize ?? PAGE_SIZE) === PAGE_SIZE && this.cache.isCachedListPage(page, '');
    if (cacheable) {
      const cached = await this.cache.getList<EventListPage>(page);
      if (cached) return cached;
    }
    const result = await this.queryList({ ...options, page, query });
    if (cacheable) await this.cache.setList(page, result, result.events[0]?.startsAtIso);
    return result;
  }

  private async queryList(options: ListOptions & { page: number; query: string }): Promise<EventListPage> {
    const pageSize = options.pageSize ?? PAGE_SIZE;
    const now = new Date();
    const limits = [pageSize + 1, (options.page - 1) * pageSize];
    const conditions: Prisma.Sql[] = [Prisma.sql`e.status = 'published'`];
    const after = options.from && options.from > now ? options.from : now;
    if (options.past) conditions.push(Prisma.sql`e.starts_at <= ${now}`);
    else conditions.push(Prisma.sql`e.starts_at > ${after}`);
    if (options.past && options.from) conditions.push(Prisma.sql`e.starts_at >= ${options.from}`);
    if (options.to) conditions.push(Prisma.sql`e.starts_at < ${options.to}`);
    if (options.organizerId !== undefined)
      conditions.push(Prisma.sql`e.organizer_id = ${options.organizerId}`);
    if (options.categoryId !== undefined) conditions.push(Prisma.sql`e.category_id = ${options.categoryId}`);
    // A day is the event's own calendar day (a Saturday-evening event in Tokyo is on Saturday). The
    // instant bounds let the (status, starts_at) index narrow the rows; the zone test is exact.
    const localDay = Prisma.sql`(e.starts_at AT TIME ZONE e.time_zone)::date`;
    if (options.fromDay) {
      const day = new Date(`${options.fromDay}T00:00:00Z`);
      conditions.push(Prisma.sql`e.starts_at >= ${new Date(day.getTime() - MAX_AHEAD_MS)}`);
      conditions.push(Prisma.sql`${localDay} >= ${options.fromDay}::date`);
    }
    if (options.toDay) {
      const dayAfter = new Date(Date.parse(`${options.toDay}T00:00:00Z`) + DAY_MS);
      conditions.push(Prisma.sql`e.starts_at < ${new Date(dayAfter.getTime() + MAX_BEHIND_MS)}`);
      conditions.push(Prisma.sql`${localDay} <= ${options.toDay}::date`);
    }
    if (options.query) {
      conditions.push(
        Prisma.sql`${SEARCH_DOCUMENT} @@ websearch_to_tsquery('english'::regconfig, ${options.query})`,
      );
    }
    if (conditions.length === 2 && !options.past) {
      // The public list without filters (home page and its pages): the hottest query of the app.
      if (options.page === 1 && pageSize === PAGE_SIZE) {
        const [{ json }] = await this.prisma.prepared<{ json: string }>(UPCOMING_FIRST_PAGE, [after]);
        return this.firstPageOf(json);
      }
      const rows = await this.prisma.prepared<EventSummaryRow>(UPCOMING_PAGE, [after, ...limits]);
      return this.pageOf(rows, options.page, pageSize);
    }
    const order = options.past
      ? Prisma.sql`ORDER BY e.starts_at DESC, e.id DESC`
      : Prisma.sql`ORDER BY e.starts_at, e.id`;
    // One row more than a page tells whether there is a next page without a COUNT(*).
    const rows = await this.prisma.$queryRaw<EventSummaryRow[]>`
      SELECT ${Prisma.raw(LIST_COLUMNS)}
      FROM events e LEFT JOIN event_categories c ON c.id = e.category_id
      WHERE ${Prisma.join(conditions, ' AND ')}
      ${order}
      LIMIT ${limits[0]} OFFSET ${limits[1]}`;
    return this.pageOf(rows, options.page, pageSize);
  }

  /**
   * The first page of upcoming events from its statement's JSON text. The same text is the same
   * page: it is parsed once, deep-frozen and shared by the requests that get that text again, and
   * `{{#remember}}` then finds each card by its (frozen) object rather than by its JSON (building
   * those keys was a fifth of the home page's render). A few texts are kept: emptied when full.
   */
  private firstPageOf(json: string): EventListPage {
    // Found by comparing texts, not as a Map key: a Map hashes the whole new text (~12 KB, a
    // character at a time) on every request, where comparing two texts is a memory compare.
    let kept = this.firstPages.find((entry) => entry.json === json);
    if (!kept) {
      kept = { json, page: deepFreeze(this.pageOf(JSON.parse(json) as EventSummaryRow[], 1, PAGE_SIZE)) };
      if (this.firstPages.length >= FIRST_PAGES_KEPT) this.firstPages.length = 0;
      // Newest first: the page now is the one the next requests get.
      this.firstPages.unshift(kept);
    }
    return kept.page;
  }

  /** `rows` holds up to one row more than a page: that tells whether a next page exists. */
  private pageOf(rows: EventSummaryRow[], page: number, pageSize: number): EventListPage {
    return {
      events: rows.slice(0, pageSize).map((row) => this.summary(row)),
      page,
      hasNext: rows.length > pageSize,
      hasPrev: page > 1,
    };
  }

  /**
   * The event page's data (cancelled events stay visible, marked as such). A draft is a 404 unless
   * `actor` may manage it.
   */
  async detail(id: number, actor?: Actor): Promise<EventDetailView> {
    const view = await this.pageData(id);
    if (view.draft && !(actor && this.canManage(actor, view))) throw new NotFoundException('Event not found');
    return view;
  }

  private async pageData(id: number): Promise<EventDetailView> {
    const cached = await this.cache.getEvent<EventDetailView>(id);
    if (cached) return cached;
    // One statement (event, organizer name, waitlist size): this page is read far more than written.
    const [row] = await this.prisma.prepared<{ json: string }>(EVENT_DETAIL, [id]);
    if (!row) throw new NotFoundException('Event not found');
    const event = JSON.parse(row.json) as EventDetailRow;
    const view: EventDetailView = {
      ...this.summary(event),
      endsAtIso: event.endsAt,
      zoneLabel: zoneLabel(event.timeZone),
      description: event.description,
      // Rendered once here: the page data is cached, so each description is rendered once a change.
      descriptionHtml: renderMarkdown(event.description),
      organizerId: event.organizerId,
      organizerName: event.organizerName,
      full: !hasRoom(event),
      waitlistCount: event.waitlistCount,
    };
    await this.cache.setEvent(id, view, view.startsAtIso);
    return view;
  }

  async find(id: number): Promise<Event> {
    const event = await this.prisma.event.findUnique({ where: { id } });
    if (!event) throw new NotFoundException('Event not found');
    return event;
  }

  /** The event as its page shows it to `actor`: a draft is a 404 unless they may manage it. */
  async findVisible(id: number, actor?: Actor): Promise<Event> {
    const event = await this.find(id);
    if (event.status === EventStatus.draft && !(actor && this.canManage(actor, event))) {
      throw new NotFoundException('Event not found');
    }
    return event;
  }

  /** Whether `actor` runs the event (organizer, co-host, staff): see event-permissions. */
  canManage(actor: Actor, event: Pick<Event, 'id' | 'organizerId'>): boolean {
    return mayDo(actor, event, 'run');
  }

  /**
   * The event, if `actor` may do `permission` on it (see event-permissions): 404 when it does not
   * exist or is a draft they may not see, 403 when it is someone else's published (or cancelled)
   * event.
   */
  async findManageable(id: number, actor: Actor, permission: EventPermission = 'run'): Promise<Event> {
    const event = await this.find(id);
    this.requireManageable(actor, event, permission);
    return event;
  }

  /**
   * Refuses `actor` an event they may not `permission`: every route's check ends here. A draft
   * they may not even run looks missing (404, like a wrong id), so no route reveals that it
   * exists; anything else is a 403.
   */
  requireManageable(
    actor: Actor,
    event: Pick<Event, 'id' | 'organizerId' | 'status'>,
    permission: EventPermission = 'run',
  ): void {
    if (mayDo(actor, event, permission)) return;
    if (event.status === EventStatus.draft && !this.canManage(actor, event)) {
      throw new NotFoundException('Event not found');
    }
    throw new ForbiddenException(
      permission === 'own'
        ? 'Only the organizer can do this.'
        : 'Only the organizer or a co-host can do this.',
    );
  }

  /** A new event, published (listed, open to RSVPs) or a draft only its organizer sees. */
  async create(
    organizerId: number,
    values: EventValues,
    status: PublishState = 'published',
    coverImage: string | null = null,
  ): Promise<Event> {
    const errors = {
      ...crossFieldErrors(values, { creating: true }),
      ...(await this.categoryErrors(values)),
    };
    if (Object.keys(errors).length) throw new EventValidationError(errors);
    const event = await this.prisma.event.create({ data: { ...values, organizerId, status, coverImage } });
    if (status === 'published') await this.cache.invalidate();
    return event;
  }

  /** A category id that names none (deleted meanwhile, or typed into the API) is a field error. */
  private async categoryErrors(
    values: Pick<EventValues, 'categoryId'>,
    db: Prisma.TransactionClient = this.prisma,
  ): Promise<FieldErrors> {
    if (values.categoryId === null) return {};
    const found = await db.eventCategory.findUnique({
      where: { id: values.categoryId },
      select: { id: true },
    });
    return found ? {} : { categoryId: [CATEGORY_MESSAGE] };
  }

  /** The categories to choose from (forms and the list's filter), by name. */
  async categories(): Promise<Array<{ id: number; name: string; slug: string }>> {
    const cached = await this.cache.getCategories<Array<{ id: number; name: string; slug: string }>>();
    if (cached) return cached;
    // Every list page asks (with the page cache off, on every request): a named statement, as the
    // list's own query, skips Prisma's per-query work (~80 µs) and PostgreSQL's planning.
    const categories = await this.prisma.prepared<{ id: number; name: string; slug: string }>(
      { name: 'events_categories_v1', text: 'SELECT id, name, slug FROM event_categories ORDER BY name' },
      [],
    );
    await this.cache.setCategories(categories);
    return categories;
  }

  /** Publishes a draft: from now on it is listed and open to RSVPs. */
  publish(id: number, actor: Actor, options: WriteOptions = {}): Promise<Event> {
    return this.update(id, actor, { status: 'published' }, options);
  }

  /** Runs `work` in the caller's transaction (`options.tx`) or a new one; the cache is the caller's then. */
  private async write<T>(
    options: WriteOptions,
    eventId: number,
    work: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<T> {
    if (options.tx) return work(options.tx);
    const result = await this.prisma.$transaction(work, TX_OPTIONS);
    await this.cache.invalidate(eventId);
    return result;
  }

  /**
   * Applies `changes` under the event's lock: capacity cannot drop below who is already going, a
   * larger capacity promotes from the waitlist, and attendees hear about changed times or places.
   * `status: 'published'` publishes a draft (it must still start in the future); a published event
   * cannot become a draft again. `organizerId` hands the event to another user (staff only).
   */
  async update(
    id: number,
    actor: Actor,
    changes: Partial<EventValues> & {
      status?: PublishState;
      organizerId?: number;
      coverImage?: string | null;
    },
    options: WriteOptions = {},
  ): Promise<Event> {
    let replacedCover: string | null = null;
    const updated = await this.write(options, id, async (tx) => {
      const current = await lockEvent(tx, id);
      this.requireManageable(actor, current);
      if (changes.organizerId !== undefined && !actor.canChangeAnyEvent) {
        throw new ForbiddenException('Only staff can give an event to another organizer.');
      }
      const full = await tx.event.findUniqueOrThrow({ where: { id } });
      const values: EventValues = {
        title: changes.title ?? full.title,
        description: changes.description ?? full.description,
        location: changes.location ?? full.location,
        startsAt: changes.startsAt ?? full.startsAt,
        endsAt: changes.endsAt ?? full.endsAt,
        timeZone: changes.timeZone ?? full.timeZone,
        capacity: changes.capacity !== undefined ? changes.capacity : full.capacity,
        categoryId: changes.categoryId !== undefined ? changes.categoryId : full.categoryId,
      };
      const publishing = changes.status === 'published' && current.status === EventStatus.draft;
      const errors = {
        ...crossFieldErrors(values, { creating: publishing }),
        ...(await this.categoryErrors(values, tx)),
      };
      if (changes.status === 'draft' && current.status !== EventStatus.draft) {
        errors.status = ['organizing.validation.noDraftAgain'];
      }
      if (values.capacity !== null && values.capacity < current.goingCount) {
        errors.capacity = [
          message('organizing.validation.capacityBelowGoing', { count: current.goingCount }),
        ];
      }
      if (Object.keys(errors).length) throw new EventValidationError(errors);
      if (current.status === EventStatus.cancelled) {
        throw new EventValidationError({ title: ['organizing.validation.cancelledNotEditable'] });
      }
      const event = await tx.event.update({
        where: { id },
        data: {
          ...values,
          ...(publishing ? { status: EventStatus.published } : {}),
          ...(changes.organizerId !== undefined ? { organizerId: changes.organizerId } : {}),
          ...(changes.coverImage !== undefined ? { coverImage: changes.coverImage } : {}),
        },
      });
      if (changes.coverImage !== undefined && full.coverImage !== changes.coverImage) {
        replacedCover = full.coverImage;
      }
      await promoteFromWaitlist(
        tx,
        this.mailer,
        this.tickets,
        { ...current, ...values },
        values.capacity === null ? Infinity : values.capacity - current.goingCount,
      );
      const noticeable =
        values.title !== full.title ||
        values.location !== full.location ||
        values.startsAt.getTime() !== full.startsAt.getTime() ||
        values.endsAt.getTime() !== full.endsAt.getTime();
      if (noticeable) await this.notifyAttendees(tx, event, 'event_changed');
      return tx.event.findUniqueOrThrow({ where: { id } });
    });
    // The old cover's files go once nothing refers to them: after the caller's commit, if any.
    await this.afterCommit(options, () => this.covers.remove(replacedCover));
    return updated;
  }

  /** Cancels the event and tells everyone who was going or waiting. Cancelling twice is a no-op. */
  cancel(id: number, actor: Actor, options: WriteOptions = {}): Promise<Event> {
    return this.write(options, id, async (tx) => {
      const current = await lockEvent(tx, id);
      this.requireManageable(actor, current, 'own');
      if (current.status === EventStatus.cancelled) return tx.event.findUniqueOrThrow({ where: { id } });
      const cancelled = await tx.event.update({
        where: { id },
        data: { status: EventStatus.cancelled, cancelledAt: new Date() },
      });
      await this.notifyAttendees(tx, cancelled, 'event_cancelled');
      return cancelled;
    });
  }

  /** Deletes the event (API); attendees of a still-published event get the cancellation e-mail. */
  async delete(id: number, actor: Actor, options: WriteOptions = {}): Promise<void> {
    let cover: string | null = null;
    await this.write(options, id, async (tx) => {
      const current = await lockEvent(tx, id);
      this.requireManageable(actor, current, 'own');
      cover = (await tx.event.findUniqueOrThrow({ where: { id }, select: { coverImage: true } })).coverImage;
      if (current.status === EventStatus.published) {
        const event = await tx.event.findUniqueOrThrow({ where: { id } });
        await this.notifyAttendees(tx, event, 'event_cancelled');
      }
      await tx.event.delete({ where: { id } });
    });
    // After the commit: files of a deleted event are never needed again, but a rolled-back delete
    // must keep its cover.
    await this.afterCommit(options, () => this.covers.remove(cover));
  }

  /** Runs `work` now (this service's own transaction has committed) or after the caller's commit. */
  private async afterCommit(options: WriteOptions, work: () => Promise<void>): Promise<void> {
    if (!options.tx) await work();
    else options.afterCommit?.(work);
  }

  /** E-mails everyone going or waitlisted, in the caller's transaction: one read, one insert. */
  private async notifyAttendees(tx: Prisma.TransactionClient, event: Event, template: string): Promise<void> {
    const attendees = await tx.$queryRaw<
      Array<{ email: string; displayName: string; language: string | null }>
    >`
      SELECT u.email, u.display_name AS "displayName", u.language
      FROM rsvps r JOIN users u ON u.id = r.user_id
      WHERE r.event_id = ${event.id} AND r.status IN ('going', 'waitlisted')
      ORDER BY r.id`;
    const context = eventMailContext(event);
    await this.mailer.sendMany(
      template,
      attendees.map((user) => ({
        to: user.email,
        context: { name: user.displayName || user.email, event: context, lang: languageOf(user) },
      })),
      { tx },
    );
  }

  /** The events `userId` organizes or co-hosts, latest first. */
  async organizedBy(userId: number): Promise<EventSummaryView[]> {
    const events = await this.prisma.event.findMany({
      where: { OR: [{ organizerId: userId }, { cohosts: { some: { userId } } }] },
      orderBy: [{ startsAt: 'desc' }, { id: 'desc' }],
      take: 200,
    });
    return events.map((event) => this.summary(event));
  }

  async rsvpsOf(userId: number): Promise<Array<EventSummaryView & { rsvpStatus: RsvpStatus }>> {
    const rsvps = await this.prisma.rsvp.findMany({
      where: { userId, status: { not: RsvpStatus.cancelled } },
      include: { event: true },
      orderBy: [{ event: { startsAt: 'asc' } }],
      take: 200,
    });
    return rsvps.map((rsvp) => ({ ...this.summary(rsvp.event), rsvpStatus: rsvp.status }));
  }

  /** Going first, then the waitlist in promotion order. */
  async attendees(eventId: number) {
    const rsvps = await this.prisma.rsvp.findMany({
      where: { eventId, status: { in: [RsvpStatus.going, RsvpStatus.waitlisted] } },
      include: { user: { select: { email: true, displayName: true } } },
      orderBy: [{ status: 'asc' }, { respondedAt: 'asc' }, { id: 'asc' }],
    });
    return rsvps.map((rsvp) => ({
      rsvpId: rsvp.id,
      name: rsvp.user.displayName,
      email: rsvp.user.email,
      status: rsvp.status,
      respondedAt: rsvp.respondedAt,
      checkedInAt: rsvp.checkedInAt,
    }));
  }
}
