import { Global, Module } from '@nestjs/common';
import { ScheduleRegistry } from './schedule.registry';
import { Scheduler } from './scheduler';

/**
 * Scheduled jobs (worker only). Global so every feature's worker module can inject
 * ScheduleRegistry and register its jobs.
 */
@Global()
@Module({
  providers: [ScheduleRegistry, Scheduler],
  exports: [ScheduleRegistry],
})
export class SchedulerModule {}
