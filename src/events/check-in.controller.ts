import { Body, Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { CurrentUser, RequireLogin } from '../accounts/auth.decorators';
import type { SessionUser } from '../accounts/session-user';
import { AppConfig } from '../config/app-config';
import { ShutdownState } from '../core/shutdown-state';
import { TaskEventsService } from '../jobs/tasks/task-events.service';
import { openEventStream } from '../web/event-stream';
import { addFlash } from '../web/flash';
import {
  attendanceChannel,
  CheckInService,
  TicketRefused,
  type AttendanceUpdate,
  type DoorAttendee,
} from './check-in.service';
import { EventActors } from './event-actors';
import { formatDate } from './event-view';
import { EventsService } from './events.service';
import { TicketSigner } from './tickets';

/** A ticket's QR code as inline SVG (what the event and ticket pages show; e-mails get a PNG). */
export function ticketQrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** "19:05" in the event's zone (a check-in's time); one formatter per zone, as formatDate does. */
function formatTime(value: Date, timeZone: string): string {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
    timeFormats.set(timeZone, format);
  }
  return format.format(value);
}

const searchOf = (q: unknown): string => (typeof q === 'string' ? q.trim().slice(0, 100) : '');

/**
 * The door: the check-in list (search, one-click check-in and undo, live counts over SSE), the
 * scanner field, and ticket URLs. Works without JavaScript (forms and redirects); check-in.js
 * turns the buttons into in-place updates. Every route checks that the user runs the event.
 */
@Controller()
export class CheckInController {
  constructor(
    private readonly events: EventsService,
    private readonly actors: EventActors,
    private readonly checkIns: CheckInService,
    private readonly tickets: TicketSigner,
    private readonly liveUpdates: TaskEventsService,
    private readonly shutdown: ShutdownState,
    private readonly config: AppConfig,
  ) {}

  @Get('/events/:id/check-in')
  @RequireLogin()
  async page(
    @Param('id') id: number,
    @Query('q') q: unknown,
    @CurrentUser() user: SessionUser,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const search = searchOf(q);
    const [attendees, counts] = await Promise.all([this.checkIns.list(id, search), this.checkIns.counts(id)]);
    res.render('events/check-in', {
      title: `Check-in: ${event.title}`,
      event: { ...event, startsAtText: formatDate(event.startsAt, event.timeZone) },
      search,
      counts,
      attendees: attendees.map((attendee) => this.row(attendee, event.timeZone)),
    });
  }

  @Post('/events/:id/check-in/ticket')
  @RequireLogin()
  async scanned(
    @Param('id') id: number,
    @Body('ticket') text: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const ref = typeof text === 'string' ? this.tickets.parse(text) : undefined;
    if (!ref) {
      return this.renderResult(res, event, {
        status: 400,
        refused: 'Enter or scan a ticket: its link, as the QR code holds it.',
      });
    }
    try {
      const admitted = await this.checkIns.admit(await this.checkIns.verify(ref), event.id);
      return this.renderResult(res, event, { admitted });
    } catch (error) {
      if (!(error instanceof TicketRefused)) throw error;
      return this.renderResult(res, event, {
        status: error.getStatus(),
        refused: error.message,
        holder: error.holder,
      });
    }
  }

  /**
   * A scanned ticket's URL. Someone who runs the ticket's event checks its holder in (and sees
   * who); the holder sees their ticket; anyone else is refused. A GET that changes something, on
   * purpose: a phone's camera opens the URL, and the signature makes it unguessable.
   */
  @Get('/tickets/:rsvpId/:signature')
  @RequireLogin()
  async ticket(
    @Param('rsvpId') rsvpId: number,
    @Param('signature') signature: string,
    @CurrentUser() user: SessionUser,
    @Res() res: Response,
  ) {
    const ref = this.tickets.parse(`${rsvpId}/${signature}`);
    if (!ref) throw new NotFoundException('Not found');
    let ticket;
    try {
      ticket = await this.checkIns.verify(ref);
    } catch (error) {
      if (!(error instanceof TicketRefused)) throw error;
      return res.status(error.getStatus()).render('events/ticket-result', {
        title: 'Not a valid ticket',
        refused: error.message,
      });
    }
    const actor = await this.actors.of(user);
    if (!this.events.canManage(actor, ticket.event)) {
      if (ticket.userId !== user.id) {
        return res.status(403).render('events/ticket-result', {
          title: 'Not your event',
          refused: 'Only the organizer and co-hosts of this event can check people in.',
        });
      }
      if (ticket.status !== 'going') {
        return res.status(409).render('events/ticket-result', {
          title: 'Ticket not valid',
          refused: 'You are not going to this event any more, so this ticket does not admit you.',
        });
      }
      return this.renderOwnTicket(res, ticket.event.id, ticket.rsvpId);
    }
    const event = await this.events.find(ticket.event.id);
    try {
      return this.renderResult(res, event, { admitted: await this.checkIns.admit(ticket, event.id) });
    } catch (error) {
      if (!(error instanceof TicketRefused)) throw error;
      return this.renderResult(res, event, {
        status: error.getStatus(),
        refused: error.message,
        holder: error.holder,
      });
    }
  }

  @Post('/events/:id/check-in/:rsvpId')
  @RequireLogin()
  async checkIn(
    @Param('id') id: number,
    @Param('rsvpId') rsvpId: number,
    @Body('q') q: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const { attendee, checkedInNow } = await this.checkIns.checkIn(id, rsvpId);
    const label = attendee.name || attendee.email;
    this.answer(
      req,
      res,
      event,
      attendee,
      checkedInNow ? `${label} is checked in.` : `${label} was already checked in.`,
      q,
    );
  }

  @Post('/events/:id/check-in/:rsvpId/undo')
  @RequireLogin()
  async undo(
    @Param('id') id: number,
    @Param('rsvpId') rsvpId: number,
    @Body('q') q: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const attendee = await this.checkIns.undo(id, rsvpId);
    this.answer(req, res, event, attendee, `${attendee.name || attendee.email} is no longer checked in.`, q);
  }

  /** Live counts (and who changed) for the check-in page, through Redis from any replica. */
  @Get('/events/:id/check-in/live')
  @RequireLogin()
  async live(
    @Param('id') id: number,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.events.findManageable(id, await this.actors.of(user));
    const stream = openEventStream(req, res, this.shutdown);
    // Subscribe before reading the counts, so a check-in between the two is not lost.
    stream.onClose(
      await this.liveUpdates.listenTo<AttendanceUpdate>(attendanceChannel(id), (update) =>
        stream.send('attendance', update),
      ),
    );
    stream.send('attendance', await this.checkIns.counts(id));
  }

  /** After a check-in or undo: JSON for check-in.js, else a flash and back to the list (same search). */
  private answer(
    req: Request,
    res: Response,
    event: { id: number; timeZone: string },
    attendee: DoorAttendee,
    message: string,
    q: unknown,
  ): void {
    if (req.accepts(['html', 'json']) === 'json') {
      void this.checkIns.counts(event.id).then(
        (counts) => res.status(200).json({ message, attendee: this.row(attendee, event.timeZone), counts }),
        (error: Error) => res.status(500).json({ message: error.message }),
      );
      return;
    }
    addFlash(req, 'success', message);
    const search = searchOf(q);
    res.redirect(
      303,
      `/events/${event.id}/check-in${search ? `?${new URLSearchParams({ q: search })}` : ''}#rsvp-${attendee.rsvpId}`,
    );
  }

  private row(attendee: DoorAttendee, timeZone: string) {
    return {
      ...attendee,
      label: attendee.name || attendee.email,
      checkedIn: attendee.checkedInAt !== null,
      checkedInIso: attendee.checkedInAt?.toISOString() ?? null,
      // At the door the day is the event's: the time says enough (the full date is its title).
      checkedInText: attendee.checkedInAt ? formatTime(attendee.checkedInAt, timeZone) : null,
      checkedInFull: attendee.checkedInAt ? formatDate(attendee.checkedInAt, timeZone) : null,
    };
  }

  private async renderResult(
    res: Response,
    event: { id: number; title: string; timeZone: string },
    result: {
      status?: number;
      admitted?: Awaited<ReturnType<CheckInService['admit']>>;
      refused?: string;
      holder?: { name: string; email: string };
    },
  ): Promise<void> {
    const counts = await this.checkIns.counts(event.id);
    res.status(result.status ?? 200).render('events/ticket-result', {
      title: result.admitted ? 'Checked in' : 'Ticket refused',
      event,
      counts,
      admitted: result.admitted && {
        ...result.admitted,
        attendee: this.row(result.admitted.attendee, event.timeZone),
      },
      refused: result.refused,
      holder: result.holder && { ...result.holder, label: result.holder.name || result.holder.email },
    });
  }

  private async renderOwnTicket(res: Response, eventId: number, rsvpId: number): Promise<void> {
    const event = await this.events.find(eventId);
    const url = this.config.absoluteUrl(this.tickets.path(eventId, rsvpId));
    res.render('events/ticket', {
      title: `Your ticket: ${event.title}`,
      event: { ...event, startsAtText: formatDate(event.startsAt, event.timeZone) },
      qrSvg: await ticketQrSvg(url),
      url,
    });
  }
}
