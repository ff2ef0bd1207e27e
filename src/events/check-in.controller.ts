import { Body, Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import { CurrentUser, RequireLogin } from '../accounts/auth.decorators';
import type { SessionUser } from '../accounts/session-user';
import { AppConfig } from '../config/app-config';
import { ShutdownState } from '../core/shutdown-state';
import type { Language } from '../i18n/languages';
import { EVENT_DATE, formatDateTime, message, translateMessage } from '../i18n/translator';
import { TaskEventsService } from '../jobs/tasks/task-events.service';
import { openEventStream } from '../web/event-stream';
import { addFlash } from '../web/flash';
import {
  attendanceChannel,
  CheckInService,
  TicketRefused,
  type AttendanceUpdate,
  type DoorAttendee,
  type TicketCheckIn,
  type VerifiedTicket,
} from './check-in.service';
import { EventActors } from './event-actors';
import { EventsService } from './events.service';
import { TicketSigner } from './tickets';

/** A ticket's QR code as inline SVG (what the event and ticket pages show; e-mails get a PNG). */
export function ticketQrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** A check-in's time: "19:05" (the day is the event's; the full date is the time's title). */
const DOOR_TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };

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
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const event = await this.events.findManageable(id, await this.actors.of(user));
    const search = searchOf(q);
    const [attendees, counts] = await Promise.all([this.checkIns.list(id, search), this.checkIns.counts(id)]);
    res.render('events/check-in', {
      title: message('organizing.checkIn.pageTitle', { title: event.title }),
      event,
      search,
      counts,
      attendees: attendees.map((attendee) => this.row(attendee, event.timeZone, req.language)),
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
      return this.renderResult(req, res, event, { status: 400, refused: 'organizing.ticket.enterTicket' });
    }
    return this.admitOrRefuse(req, res, event, this.checkIns.verify(ref));
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
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const ref = this.tickets.parse(`${rsvpId}/${signature}`);
    if (!ref) throw new NotFoundException('Not found');
    // Without an event, the page shows its title as the verdict: both are said in the reader's
    // language here (the layout passes translated text through).
    const refuse = (status: number, title: string, refused: string) =>
      res.status(status).render('events/ticket-result', {
        title: translateMessage(title, req.language),
        refused: translateMessage(refused, req.language),
      });
    let ticket;
    try {
      ticket = await this.checkIns.verify(ref);
    } catch (error) {
      if (!(error instanceof TicketRefused)) throw error;
      return refuse(error.getStatus(), 'organizing.ticket.notValidTitle', error.message);
    }
    const actor = await this.actors.of(user);
    if (!this.events.canManage(actor, ticket.event)) {
      if (ticket.userId !== user.id) {
        return refuse(403, 'organizing.ticket.notYourEventTitle', 'organizing.ticket.organizersOnly');
      }
      if (ticket.status !== 'going') {
        return refuse(409, 'organizing.ticket.ticketNotValidTitle', 'organizing.ticket.notGoingAnyMore');
      }
      return this.renderOwnTicket(req, res, ticket.event.id, ticket.rsvpId);
    }
    return this.admitOrRefuse(req, res, await this.events.find(ticket.event.id), ticket);
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
      message(checkedInNow ? 'organizing.checkIn.checkedInNow' : 'organizing.checkIn.alreadyCheckedIn', {
        label,
      }),
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
    this.answer(
      req,
      res,
      event,
      attendee,
      message('organizing.checkIn.undone', { label: attendee.name || attendee.email }),
      q,
    );
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

  /**
   * After a check-in or undo: JSON for check-in.js (the notice said in the reader's language), else
   * a flash (the notice's descriptor) and back to the list (same search).
   */
  private answer(
    req: Request,
    res: Response,
    event: { id: number; timeZone: string },
    attendee: DoorAttendee,
    notice: string,
    q: unknown,
  ): void {
    if (req.accepts(['html', 'json']) === 'json') {
      void this.checkIns.counts(event.id).then(
        (counts) =>
          res.status(200).json({
            message: translateMessage(notice, req.language),
            attendee: this.row(attendee, event.timeZone, req.language),
            counts,
          }),
        (error: Error) => res.status(500).json({ message: error.message }),
      );
      return;
    }
    addFlash(req, 'success', notice);
    const search = searchOf(q);
    res.redirect(
      303,
      `/events/${event.id}/check-in${search ? `?${new URLSearchParams({ q: search })}` : ''}#rsvp-${attendee.rsvpId}`,
    );
  }

  /** A row of the list (and of check-in.js's answers), its times in the event's zone and `language`. */
  private row(attendee: DoorAttendee, timeZone: string, language: Language) {
    const at = attendee.checkedInAt;
    return {
      ...attendee,
      label: attendee.name || attendee.email,
      checkedIn: at !== null,
      checkedInIso: at?.toISOString() ?? null,
      // At the door the day is the event's: the time says enough (the full date is its title).
      checkedInText: at ? formatDateTime(at, language, timeZone, DOOR_TIME) : null,
      checkedInFull: at ? formatDateTime(at, language, timeZone, EVENT_DATE) : null,
    };
  }

  /**
   * Checks in the holder of `ticket` at `event`'s door and shows the verdict, or why the ticket
   * does not admit them (TicketRefused: not a genuine ticket, another event, no place). `ticket`
   * may still be being verified (a scanned link), its refusal shown the same way.
   */
  private async admitOrRefuse(
    req: Request,
    res: Response,
    event: { id: number; title: string; timeZone: string },
    ticket: VerifiedTicket | Promise<VerifiedTicket>,
  ): Promise<void> {
    let admitted: TicketCheckIn;
    try {
      admitted = await this.checkIns.admit(await ticket, event.id);
    } catch (error) {
      if (!(error instanceof TicketRefused)) throw error;
      return this.renderResult(req, res, event, {
        status: error.getStatus(),
        refused: error.message,
        holder: error.holder,
      });
    }
    return this.renderResult(req, res, event, { admitted });
  }

  /** The verdict page; `refused` is a message descriptor, said here in the reader's language. */
  private async renderResult(
    req: Request,
    res: Response,
    event: { id: number; title: string; timeZone: string },
    result: {
      status?: number;
      admitted?: TicketCheckIn;
      refused?: string;
      holder?: { name: string; email: string };
    },
  ): Promise<void> {
    const counts = await this.checkIns.counts(event.id);
    res.status(result.status ?? 200).render('events/ticket-result', {
      title: result.admitted ? 'organizing.ticket.checkedInTitle' : 'organizing.ticket.refusedTitle',
      event,
      counts,
      admitted: result.admitted && {
        ...result.admitted,
        attendee: this.row(result.admitted.attendee, event.timeZone, req.language),
      },
      refused: result.refused && translateMessage(result.refused, req.language),
      holder: result.holder && { ...result.holder, label: result.holder.name || result.holder.email },
    });
  }

  private async renderOwnTicket(req: Request, res: Response, eventId: number, rsvpId: number): Promise<void> {
    const event = await this.events.find(eventId);
    const url = this.config.absoluteUrl(this.tickets.path(eventId, rsvpId));
    res.render('events/ticket', {
      title: message('organizing.ticket.yourTicketTitle', { title: event.title }),
      event,
      qrSvg: await ticketQrSvg(url),
      url,
    });
  }
}
