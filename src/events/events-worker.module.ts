import { Module } from '@nestjs/common';
import { TasksCoreModule } from '../jobs/tasks/tasks-core.module';
import { EventReminders } from './event-reminders';
import { EventTasksProcessor } from './event-tasks.processor';
import { EventsCoreModule } from './events-core.module';

/** The worker side of events: organizer tasks (and the reminder schedule). */
@Module({
  imports: [EventsCoreModule, TasksCoreModule],
  providers: [EventTasksProcessor, EventReminders],
})
export class EventsWorkerModule {}
