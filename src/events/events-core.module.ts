import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { MailService } from '../mail/mail.service';
import { MediaModule } from '../media/media.module';
import { CoverImages } from './cover-images';
import { EVENT_MAILER } from './event-mailer';
import { EventsCache } from './events.cache';
import { EventsService } from './events.service';
import { RsvpService } from './rsvp.service';
import { TicketSigner } from './tickets';

/**
 * The events domain without HTTP: services shared by the pages, the API, the worker (reminders,
 * organizer tasks) and the CLI (seed). Needs CoreModule from the entry point.
 */
@Module({
  imports: [MailModule, MediaModule],
  providers: [
    EventsCache,
    EventsService,
    RsvpService,
    TicketSigner,
    CoverImages,
    { provide: EVENT_MAILER, useExisting: MailService },
  ],
  exports: [EventsCache, EventsService, RsvpService, TicketSigner, CoverImages, EVENT_MAILER],
})
export class EventsCoreModule {}
