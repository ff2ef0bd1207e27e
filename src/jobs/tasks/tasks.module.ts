import { Module } from '@nestjs/common';
import { TaskEventsService } from './task-events.service';
import { AccountsModule } from '../../accounts/accounts.module';
import { TaskAdmin } from './task.admin';
import { TasksCoreModule } from './tasks-core.module';
import { TasksController } from './tasks.controller';

/**
 * The web side of background tasks: the task page, its SSE stream, downloads, and their admin.
 * Exports the live-update listener for other features' SSE streams (the check-in page).
 */
@Module({
  imports: [TasksCoreModule, AccountsModule],
  controllers: [TasksController],
  providers: [TaskEventsService, TaskAdmin],
  exports: [TaskEventsService],
})
export class TasksModule {}
