import { Module } from '@nestjs/common';
import { TasksService } from './tasks.service';

/** Task rows, queueing and progress publishing; shared by web (start, show) and worker (run). */
@Module({ providers: [TasksService], exports: [TasksService] })
export class TasksCoreModule {}
