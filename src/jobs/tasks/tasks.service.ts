import { Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { Prisma, TaskKind, TaskStatus, type Task } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';
import { InjectJobQueue, JobQueue } from '../queue/job-queue';
import { QUEUES } from '../queue/queues';
import { RedisService } from '../../redis/redis.service';
import { TASK_JOB, taskChannel, type TaskJobData, type TaskState } from './task-jobs';

/** How long an export's file can be downloaded. */
export const DOWNLOAD_TTL_MS = 24 * 3600_000;

/**
 * Background tasks an organizer starts from a page: a Task row (the durable state a refreshed page
 * shows) plus a Bull job in the worker. Progress is written to the row and published on Redis
 * pub/sub, so every web replica can stream it to the browser.
 */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    @InjectJobQueue(QUEUES.tasks) private readonly queue: JobQueue<TaskJobData>,
  ) {}

  async start(
    kind: TaskKind,
    ownerId: number,
    eventId: number | null,
    input: Prisma.InputJsonObject = {},
  ): Promise<Task> {
    const task = await this.prisma.task.create({ data: { kind, ownerId, eventId, input } });
    try {
      await this.queue.add(TASK_JOB, { taskId: task.id }, { jobId: task.id, attempts: 3, backoff: 5_000 });
    } catch (error) {
      this.logger.warn(`could not queue task ${task.id}: ${(error as Error).message}`);
      await this.prisma.task.delete({ where: { id: task.id } });
      throw new ServiceUnavailableException('Background tasks are unavailable right now; try again shortly.');
    }
    return task;
  }

  /** The task if `ownerId` owns it; anyone else gets the same 404 as for a task that does not exist. */
  async findOwned(id: string, ownerId: number): Promise<Task> {
    const task = await this.prisma.task.findUnique({ where: { id } });
    if (!task || task.ownerId !== ownerId) throw new NotFoundException('Task not found');
    return task;
  }

  stateOf(task: Task): TaskState {
    const result = (task.result ?? {}) as { message?: string };
    const downloadable =
      task.kind === TaskKind.export_attendees_csv &&
      task.status === TaskStatus.succeeded &&
      task.expiresAt !== null &&
      task.expiresAt > new Date();
    return {
      id: task.id,
      status: task.status,
      progress: task.progress,
      message: result.message,
      error: task.error,
      downloadUrl: downloadable ? `/tasks/${task.id}/download` : null,
    };
  }

  // --- used by the worker -------------------------------------------------------------------

  async markRunning(id: string): Promise<Task> {
    const task = await this.prisma.task.update({
      where: { id },
      data: { status: TaskStatus.running, error: null },
    });
    await this.publish(task);
    return task;
  }

  async reportProgress(id: string, progress: number, tx?: Prisma.TransactionClient): Promise<void> {
    const task = await (tx ?? this.prisma).task.update({
      where: { id },
      data: { progress: Math.max(0, Math.min(100, Math.floor(progress))) },
    });
    await this.publish(task);
  }

  async succeed(
    id: string,
    result: Prisma.InputJsonObject,
    file?: { data: Buffer; expiresAt: Date },
  ): Promise<Task> {
    const task = await this.prisma.task.update({
      where: { id },
      data: {
        status: TaskStatus.succeeded,
        progress: 100,
        result,
        finishedAt: new Date(),
        ...(file ? { file: new Uint8Array(file.data), expiresAt: file.expiresAt } : {}),
      },
    });
    await this.publish(task);
    return task;
  }

  async fail(id: string, message: string): Promise<void> {
    const task = await this.prisma.task.update({
      where: { id },
      data: { status: TaskStatus.failed, error: message, finishedAt: new Date() },
    });
    await this.publish(task);
  }

  /** Publishing is best effort: the row is the truth and a refresh (or SSE reconnect) reads it. */
  async publish(task: Task): Promise<void> {
    try {
      await this.redis.client.publish(taskChannel(task.id), JSON.stringify(this.stateOf(task)));
    } catch (error) {
      this.logger.warn(`progress of ${task.id} not published: ${(error as Error).message}`);
    }
  }
}
