import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { TasksCoreModule } from '../jobs/tasks/tasks-core.module';
import { CalendarController } from './calendar.controller';
import { EventAdmin } from './event.admin';
import { EventCategoryAdmin } from './category.admin';
import { EventActors } from './event-actors';
import { EventCalendar } from './event-calendar';
import { EventsCoreModule } from './events-core.module';
import { EventsController } from './events.controller';
import { RsvpAdmin } from './rsvp.admin';

/** The events pages (the home page too) and the admin's registrations of events and RSVPs. */
@Module({
  imports: [EventsCoreModule, TasksCoreModule, AccountsModule],
  controllers: [EventsController, CalendarController],
  providers: [EventActors, EventCalendar, EventAdmin, EventCategoryAdmin, RsvpAdmin],
  exports: [EventActors],
})
export class EventsModule {}
