import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { TasksCoreModule } from '../jobs/tasks/tasks-core.module';
import { TasksModule } from '../jobs/tasks/tasks.module';
import { CheckInController } from './check-in.controller';
import { CheckInService } from './check-in.service';
import { CohostsService } from './cohosts.service';
import { CalendarController } from './calendar.controller';
import { EventAdmin } from './event.admin';
import { EventCategoryAdmin } from './category.admin';
import { EventActors } from './event-actors';
import { EventCalendar } from './event-calendar';
import { EventsCoreModule } from './events-core.module';
import { EventsController } from './events.controller';
import { RsvpAdmin } from './rsvp.admin';

/**
 * The events pages (the home page too), the organizer's tools (check-in, co-hosts) and the admin's
 * registrations of events and RSVPs.
 */
@Module({
  imports: [EventsCoreModule, TasksCoreModule, TasksModule, AccountsModule],
  controllers: [EventsController, CheckInController, CalendarController],
  providers: [
    EventActors,
    EventCalendar,
    EventAdmin,
    EventCategoryAdmin,
    RsvpAdmin,
    CheckInService,
    CohostsService,
  ],
  exports: [EventActors],
})
export class EventsModule {}
