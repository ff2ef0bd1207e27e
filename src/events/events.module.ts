import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { TasksCoreModule } from '../jobs/tasks/tasks-core.module';
import { CalendarController } from './calendar.controller';
import { EventActors } from './event-actors';
import { EventCalendar } from './event-calendar';
import { EventsCoreModule } from './events-core.module';
import { EventsController } from './events.controller';

/** The events pages (the home page too). */
@Module({
  imports: [EventsCoreModule, TasksCoreModule, AccountsModule],
  controllers: [EventsController, CalendarController],
  providers: [EventActors, EventCalendar],
  exports: [EventActors],
})
export class EventsModule {}
