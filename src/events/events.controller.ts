import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { TFunction } from 'i18next';
import { CurrentUser, RequireLogin, RequireVerified } from '../accounts/auth.decorators';
import type { SessionUser } from '../accounts/session-user';
import { TaskKind, type Event } from '../generated/prisma/client';
import { message } from '../i18n/translator';
import { isDatabaseUnavailable } from '../prisma/database-errors';
import { TasksService } from '../jobs/tasks/tasks.service';
import { addFlash } from '../web/flash';
import { validateForm, type FieldErrors } from '../web/forms';
import { AnnouncementForm, EventInput, eventValuesOf } from './event.dto';
import { ticketQrSvg } from './check-in.controller';
import { CohostsService } from './cohosts.service';
import { mayDo } from './event-permissions';
import { CohostForm, RemoveAttendeeForm } from './organizer-tools.dto';
import { TicketSigner } from './tickets';
import { AppConfig } from '../config/app-config';
import { CheckInService } from './check-in.service';
import { parseListFilters, type EventListFilters } from './event-list-filters';
import { pageChangesAt } from './anonymous-page-cache';
import { TIME_ZONES, toInputDate } from './event-view';
import { EventActors } from './event-actors';
import { CoverImageError, CoverImages, type CoverRenditions } from './cover-images';
import { EventValidationError, EventsService } from './events.service';
import { RsvpService } from './rsvp.service';

interface FormState {
  values: Record<string, unknown>;
  errors: FieldErrors;
  /** A fresh create form: preselect the visitor's own time zone (public/js/time-zone.js). */
  suggestTimeZone?: boolean;
}

const emptyForm = (): FormState => ({
  values: { capacity: 50, timeZone: 'UTC' },
  errors: {},
  suggestTimeZone: true,
});

/** The events pages. Thin: rules live in EventsService / RsvpService. */
@Controller()
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly rsvps: RsvpService,
    private readonly actors: EventActors,
    private readonly tasks: TasksService,
    private readonly cohosts: CohostsService,
    private readonly tickets: TicketSigner,
    private readonly checkIns: CheckInService,
    private readonly config: AppConfig,
    private readonly covers: CoverImages,
  ) {}

  @Get(['/', '/events'])
  async index(@Query() rawQuery: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const q = rawQuery.q;
    const page = rawQuery.page;
    const query = typeof q === 'string' ? q.slice(0, 200) : '';
    const pageNumber = typeof page === 'string' && /^\d{1,6}$/.test(page) ? Math.max(1, Number(page)) : 1;
    const base = { query, page: pageNumber, t: req.t };
    let categories: Awaited<ReturnType<EventsService['categories']>> = [];
    let list: Awaited<ReturnType<EventsService['listUpcoming']>>;
    try {
      categories = await this.events.categories();
      const parsed = await parseListFilters(rawQuery);
      if (!parsed.ok) {
        return res.status(400).render('events/index', {
          ...listPage(base, { when: 'upcoming', ...parsed.values }, categories),
          errors: parsed.errors,
        });
      }
      const { filters } = parsed;
      const category = filters.category ? categories.find((c) => c.slug === filters.category) : undefined;
      if (filters.category && !category) {
        return res.status(404).render('events/index', {
          ...listPage(base, filters, categories),
          errors: { category: ['events.filters.noSuchCategory'] },
        });
      }
      list = await this.events.listUpcoming({
        page: pageNumber,
        query,
        categoryId: category?.id,
        fromDay: parsed.fromDay,
        toDay: parsed.toDay,
        past: filters.when === 'past',
      });
      pageChangesAt(res, filters.when === 'past' ? undefined : list.events[0]?.startsAtIso);
      const link = (target: number) =>
        `/events?${new URLSearchParams({ ...filterParams(query, filters), page: String(target) })}`;
      res.render('events/index', {
        ...listPage(base, filters, categories),
        ...list,
        nextUrl: list.hasNext ? link(list.page + 1) : null,
        prevUrl: list.hasPrev ? link(list.page - 1) : null,
      });
    } catch (error) {
      // The home page stays up through a database outage: its frame, search and a notice.
      if (!isDatabaseUnavailable(error)) throw error;
      res.status(503).setHeader('Retry-After', '30');
      return res.render('events/index', {
        ...listPage(base, { when: 'upcoming' }, categories),
        unavailable: true,
      });
    }
  }

  @Get('/events/new')
  @RequireVerified()
  async newForm(@Res() res: Response) {
    renderEventForm(res, NEW_EVENT_PAGE, emptyForm(), await this.events.categories());
  }

  @Post('/events/new')
  @RequireVerified()
  async create(
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const categories = await this.events.categories();
    const render = (state: FormState) => renderEventForm(res, NEW_EVENT_PAGE, state, categories, 400);
    const form = await this.eventForm(body, req);
    if (!form.ok) return render(form.state);
    const coverKey = form.renditions ? await this.covers.store(form.renditions) : null;
    try {
      const draft = form.value.status === 'draft';
      const event = await this.events.create(
        user.id,
        eventValuesOf(form.value),
        draft ? 'draft' : 'published',
        coverKey,
      );
      addFlash(req, 'success', draft ? 'organizing.flash.draftSaved' : 'organizing.flash.published');
      return res.redirect(303, `/events/${event.id}`);
    } catch (error) {
      await this.covers.remove(coverKey);
      if (error instanceof EventValidationError)
        return render({ values: formValues(body), errors: error.errors });
      throw error;
    }
  }

  /**
   * The create and edit forms, checked together with their cover image (processed, nothing stored
   * yet): the values and the image's sizes, or the form to show again with every field's message.
   */
  private async eventForm(
    body: unknown,
    req: Request,
  ): Promise<
    { ok: true; value: EventInput; renditions?: CoverRenditions } | { ok: false; state: FormState }
  > {
    const form = await validateForm(EventInput, body);
    const cover = await this.coverUpload(req);
    if (form.ok && !('error' in cover)) return { ok: true, value: form.value, renditions: cover.renditions };
    return {
      ok: false,
      state: {
        values: form.ok ? formValues(body) : form.values,
        errors: {
          ...(form.ok ? {} : form.errors),
          ...('error' in cover ? { coverImage: [cover.error] } : {}),
        },
      },
    };
  }

  /** The cover image: none, its sizes, or the message for the field (too large, not an image). */
  private async coverUpload(req: Request): Promise<{ renditions?: CoverRenditions } | { error: string }> {
    const refused = req.uploadErrors?.coverImage;
    if (refused) return { error: refused };
    const upload = req.uploads?.coverImage;
    if (!upload) return {};
    try {
      return { renditions: await this.covers.process(upload.bytes) };
    } catch (error) {
      if (error instanceof CoverImageError) return { error: error.message };
      throw error;
    }
  }

  @Get('/my/events')
  @RequireLogin()
  async mine(@CurrentUser() user: SessionUser, @Res() res: Response) {
    res.render('events/mine', {
      title: 'events.mine.title',
      events: await this.events.organizedBy(user.id),
    });
  }

  @Get('/my/rsvps')
  @RequireLogin()
  async myRsvps(@CurrentUser() user: SessionUser, @Res() res: Response) {
    res.render('events/rsvps', {
      title: 'organizing.rsvps.title',
      events: await this.events.rsvpsOf(user.id),
    });
  }

  @Get('/events/:id')
  async show(@Param('id') id: number, @Req() req: Request, @Res() res: Response) {
    const user = req.user;
    const actor = user ? await this.actors.of(user) : undefined;
    const event = await this.events.detail(id, actor);
    const own = user ? await this.rsvps.ownRsvp(id, user.id) : undefined;
    const rsvpStatus = own?.status;
    const canManage = actor ? this.events.canManage(actor, event) : false;
    // A going attendee's ticket: the QR code they show at the door (the page is private then).
    const ticketUrl =
      own?.status === 'going' && !event.cancelled
        ? this.config.absoluteUrl(this.tickets.path(id, own.id))
        : undefined;
    pageChangesAt(res, event.startsAtIso);
    res.render('events/show', {
      title: event.title,
      metaDescription: metaDescriptionOf(event, req.t),
      event,
      rsvpStatus,
      going: rsvpStatus === 'going',
      waitlisted: rsvpStatus === 'waitlisted',
      ticket: ticketUrl && {
        url: ticketUrl,
        qrSvg: await ticketQrSvg(ticketUrl),
        // Formatted by the template, in the reader's language and the event's zone.
        checkedInIso: own?.checkedInAt?.toISOString() ?? null,
      },
      canManage,
      canOwn: actor ? mayDo(actor, event, 'own') : false,
      // Computed per request (the cached page data does not know the time).
      started: new Date(event.startsAtIso).getTime() <= Date.now(),
      loginUrl: `/accounts/login?next=${encodeURIComponent(`/events/${id}`)}`,
    });
  }

  @Post('/events/:id/rsvp')
  @RequireLogin()
  async rsvp(
    @Param('id') id: number,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const { rsvp, changed } = await this.rsvps.rsvp(id, user.id);
    if (changed) await this.checkIns.publish(id);
    addFlash(
      req,
      'success',
      rsvp.status === 'going' ? 'flash.events.rsvpGoing' : 'flash.events.rsvpWaitlisted',
    );
    res.redirect(303, `/events/${id}`);
  }

  @Post('/events/:id/rsvp/cancel')
  @RequireLogin()
  async cancelRsvp(
    @Param('id') id: number,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.events.findVisible(id, await this.actors.of(user));
    const { cancelled } = await this.rsvps.cancel(id, user.id);
    if (cancelled) {
      addFlash(req, 'info', 'flash.events.rsvpCancelled');
      await this.checkIns.publish(id);
    }
    res.redirect(303, `/events/${id}`);
  }

  @Get('/events/:id/edit')
  @RequireLogin()
  async editForm(@Param('id') id: number, @CurrentUser() user: SessionUser, @Res() res: Response) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    renderEventForm(
      res,
      editPage(event, this.covers.urls(event.coverImage)?.thumb),
      {
        values: {
          title: event.title,
          description: event.description,
          location: event.location,
          startsAt: toInputDate(event.startsAt, event.timeZone),
          endsAt: toInputDate(event.endsAt, event.timeZone),
          timeZone: event.timeZone,
          capacity: event.capacity,
          categoryId: event.categoryId,
        },
        errors: {},
      },
      await this.events.categories(),
    );
  }

  @Post('/events/:id/edit')
  @RequireLogin()
  async update(
    @Param('id') id: number,
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const actor = await this.actors.of(user);
    const event = await this.events.findManageable(id, actor);
    const categories = await this.events.categories();
    const render = (state: FormState) =>
      renderEventForm(
        res,
        editPage(event, this.covers.urls(event.coverImage)?.thumb),
        state,
        categories,
        400,
      );
    const form = await this.eventForm(body, req);
    if (!form.ok) return render(form.state);
    const removeCover = (body as Record<string, unknown>).removeCoverImage === '1';
    const coverKey = form.renditions ? await this.covers.store(form.renditions) : undefined;
    try {
      await this.events.update(id, actor, {
        ...eventValuesOf(form.value),
        status: form.value.status,
        // A new image replaces the old; "remove" without one drops it (the service deletes the files).
        ...(coverKey ? { coverImage: coverKey } : removeCover ? { coverImage: null } : {}),
      });
    } catch (error) {
      await this.covers.remove(coverKey);
      if (error instanceof EventValidationError)
        return render({ values: formValues(body), errors: error.errors });
      throw error;
    }
    const published = event.status === 'draft' && form.value.status === 'published';
    addFlash(req, 'success', published ? 'organizing.flash.published' : 'organizing.flash.updated');
    res.redirect(303, `/events/${id}`);
  }

  @Post('/events/:id/publish')
  @RequireLogin()
  async publish(
    @Param('id') id: number,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    try {
      await this.events.publish(id, await this.actors.of(user));
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      // Something to correct first (e.g. the start has passed): said on the edit form.
      // One flash per message: each is a catalogue key, translated where the flash is shown.
      for (const message of Object.values(error.errors).flat()) addFlash(req, 'error', message);
      return res.redirect(303, `/events/${id}/edit`);
    }
    addFlash(req, 'success', 'organizing.flash.published');
    res.redirect(303, `/events/${id}`);
  }

  @Get('/events/:id/cancel')
  @RequireLogin()
  async cancelForm(@Param('id') id: number, @CurrentUser() user: SessionUser, @Res() res: Response) {
    const event = await this.events.findManageable(id, await this.actors.of(user), 'own');
    res.render('events/cancel', {
      title: message('organizing.cancel.pageTitle', { title: event.title }),
      event,
    });
  }

  @Post('/events/:id/cancel')
  @RequireLogin()
  async cancel(
    @Param('id') id: number,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.events.cancel(id, await this.actors.of(user));
    addFlash(req, 'info', 'organizing.flash.cancelled');
    res.redirect(303, `/events/${id}`);
  }

  @Get('/events/:id/attendees')
  @RequireLogin()
  async attendees(@Param('id') id: number, @CurrentUser() user: SessionUser, @Res() res: Response) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    await this.renderAttendees(res, event, user, { values: {}, errors: {} });
  }

  @Post('/events/:id/email')
  @RequireLogin()
  async emailAttendees(
    @Param('id') id: number,
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const form = await validateForm(AnnouncementForm, body);
    if (!form.ok) {
      return this.renderAttendees(res, event, user, { values: form.values, errors: form.errors }, 400);
    }
    const task = await this.tasks.start(TaskKind.email_attendees, user.id, id, {
      subject: form.value.subject,
      message: form.value.message,
      audience: form.value.audience ?? 'going',
    });
    res.redirect(303, `/tasks/${task.id}`);
  }

  /** Removes an attendee (going or waitlisted); the waitlist moves up as on a cancel. */
  @Post('/events/:id/attendees/:rsvpId/remove')
  @RequireLogin()
  async removeAttendee(
    @Param('id') id: number,
    @Param('rsvpId') rsvpId: number,
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const form = await validateForm(RemoveAttendeeForm, body);
    if (!form.ok) {
      return this.renderAttendees(
        res,
        event,
        user,
        { values: {}, errors: {}, removal: { rsvpId, ...form } },
        400,
      );
    }
    const removed = await this.rsvps.remove(id, rsvpId, form.value.reason ?? '');
    await this.checkIns.publish(id);
    const notice = removed.promoted
      ? 'organizing.flash.attendeeRemovedPromoted'
      : 'organizing.flash.attendeeRemoved';
    addFlash(req, 'success', message(notice, { name: removed.name }));
    res.redirect(303, `/events/${id}/attendees`);
  }

  @Post('/events/:id/cohosts')
  @RequireLogin()
  async addCohost(
    @Param('id') id: number,
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user), 'own');
    const form = await validateForm(CohostForm, body);
    const refuse = (errors: FieldErrors) =>
      this.renderAttendees(
        res,
        event,
        user,
        { values: {}, errors: {}, cohost: { values: formValues(body), errors } },
        400,
      );
    if (!form.ok) return refuse(form.errors);
    try {
      const cohost = await this.cohosts.add(event, form.value.email, user);
      addFlash(
        req,
        'success',
        message('organizing.flash.cohostAdded', { name: cohost.name || cohost.email }),
      );
    } catch (error) {
      if (error instanceof EventValidationError) return refuse(error.errors);
      throw error;
    }
    res.redirect(303, `/events/${id}/attendees#cohosts`);
  }

  @Post('/events/:id/cohosts/:userId/remove')
  @RequireLogin()
  async removeCohost(
    @Param('id') id: number,
    @Param('userId') userId: number,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.events.findManageable(id, await this.actors.of(user), 'own');
    if (await this.cohosts.remove(id, userId)) addFlash(req, 'info', 'organizing.flash.cohostRemoved');
    res.redirect(303, `/events/${id}/attendees#cohosts`);
  }

  @Post('/events/:id/export')
  @RequireLogin()
  async exportAttendees(@Param('id') id: number, @CurrentUser() user: SessionUser, @Res() res: Response) {
    await this.events.findManageable(id, await this.actors.of(user));
    const task = await this.tasks.start(TaskKind.export_attendees_csv, user.id, id);
    res.redirect(303, `/tasks/${task.id}`);
  }

  /**
   * The attendees page and tools (answer and check-in times in the event's zone): the announcement
   * form, export, check-in, removing attendees and, for the organizer, co-hosts.
   */
  private async renderAttendees(
    res: Response,
    event: Event,
    user: SessionUser,
    form: FormState & {
      removal?: { rsvpId: number; values: Record<string, unknown>; errors: FieldErrors };
      cohost?: { values: Record<string, unknown>; errors: FieldErrors };
    },
    status = 200,
  ): Promise<void> {
    const [list, cohosts, actor] = await Promise.all([
      this.events.attendees(event.id),
      this.cohosts.list(event.id),
      this.actors.of(user),
    ]);
    // Times are formatted by the template, in the reader's language and the event's zone.
    const attendees = list.map((attendee) => ({
      ...attendee,
      removal: form.removal?.rsvpId === attendee.rsvpId ? form.removal : undefined,
    }));
    res.status(status).render('events/attendees', {
      title: message('organizing.attendees.pageTitle', { title: event.title }),
      event,
      attendees,
      goingCount: list.filter((attendee) => attendee.status === 'going').length,
      waitlistCount: list.filter((attendee) => attendee.status === 'waitlisted').length,
      cohosts,
      canOwn: mayDo(actor, event, 'own'),
      audience: form.values.audience ?? 'going',
      ...form,
    });
  }
}

/** The query-string form of the list's search and filters (what pagination links carry). */
function filterParams(query: string, filters: EventListFilters): Record<string, string> {
  const params: Record<string, string> = {};
  if (query) params.q = query;
  if (filters.category) params.category = filters.category;
  if (filters.when !== 'upcoming') params.when = filters.when;
  if (filters.from) params.from = filters.from;
  if (filters.to) params.to = filters.to;
  return params;
}

/** The list's heading per "when" choice (catalogue keys), also the choices' labels. */
const LIST_HEADINGS = {
  upcoming: 'events.list.upcoming',
  weekend: 'events.list.weekend',
  past: 'events.list.past',
} as const;

/**
 * What the list template needs besides the events: headings (in the reader's language: `t` is the
 * request's), the filter form's state.
 */
function listPage(
  base: { query: string; page: number; t: TFunction },
  values: Partial<EventListFilters> & Record<string, unknown>,
  categories: Array<{ name: string; slug: string }>,
) {
  const when = values.when === 'weekend' || values.when === 'past' ? values.when : 'upcoming';
  const category = categories.find((c) => c.slug === values.category);
  const heading = category
    ? base.t('events.list.inCategory', { heading: base.t(LIST_HEADINGS[when]), category: category.name })
    : base.t(LIST_HEADINGS[when]);
  const filtered = Boolean(category || values.from || values.to || when !== 'upcoming');
  return {
    title: base.query ? base.t('events.list.searchTitle', { query: base.query }) : heading,
    heading,
    query: base.query,
    page: base.page,
    past: when === 'past',
    filtered,
    filters: { ...values, when },
    categories,
    whenChoices: (['upcoming', 'weekend', 'past'] as const).map((value) => ({
      value,
      label: LIST_HEADINGS[value],
      selected: value === when,
    })),
  };
}

interface EventFormPage {
  /** A message descriptor: the layout says it in the reader's language. */
  title: string;
  action: string;
  creating?: boolean;
  event?: Event;
  /** The current cover's thumbnail (edit form). */
  coverThumb?: string;
}

const NEW_EVENT_PAGE: EventFormPage = {
  title: 'organizing.form.newTitle',
  creating: true,
  action: '/events/new',
};
const editPage = (event: Event, coverThumb?: string): EventFormPage => ({
  title: message('organizing.form.editPageTitle', { title: event.title }),
  action: `/events/${event.id}/edit`,
  event,
  coverThumb,
});

/** The create and edit pages (one template), with the time zones to choose from. */
function renderEventForm(
  res: Response,
  page: EventFormPage,
  state: FormState,
  categories: Array<{ id: number; name: string }>,
  status = 200,
): void {
  // Select options compare with the submitted value, a string.
  const choices = categories.map((category) => ({ value: String(category.id), name: category.name }));
  const values = { ...state.values, categoryId: String(state.values.categoryId ?? '') };
  res
    .status(status)
    .render('events/form', { ...page, ...state, values, timeZones: TIME_ZONES, categories: choices });
}

/** The submitted form fields to show again (never the CSRF token). */
function formValues(body: unknown): Record<string, unknown> {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(raw).filter(([key]) => key !== '_csrf'));
}

/** The page's <meta name="description">: the start of the description, or what and where. */
function metaDescriptionOf(
  event: { title: string; description: string; location: string },
  t: TFunction,
): string {
  const text = event.description.replace(/\s+/g, ' ').trim();
  if (!text) {
    return event.location
      ? t('events.show.metaDescription', { title: event.title, location: event.location })
      : `${event.title}.`;
  }
  return text.length <= 160 ? text : `${text.slice(0, 157).replace(/\s\S*$/, '')}…`;
}
