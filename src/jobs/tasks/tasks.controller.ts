import { Controller, Get, GoneException, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser, RequireLogin } from '../../accounts/auth.decorators';
import type { SessionUser } from '../../accounts/session-user';
import { ShutdownState } from '../../core/shutdown-state';
import { openEventStream } from '../../web/event-stream';
import { UuidPipe } from '../../web/route-params';
import { TaskEventsService } from './task-events.service';
import type { TaskState } from './task-jobs';
import { TasksService } from './tasks.service';

const FINAL = new Set<TaskState['status']>(['succeeded', 'failed']);

/** Page titles are catalogue keys (src/i18n/locales), translated by the layout. */
const KIND_TITLES: Record<string, string> = {
  email_attendees: 'tasks.kinds.emailAttendees',
  export_attendees_csv: 'tasks.kinds.exportAttendees',
};

/** A task's page (the final state renders without JavaScript), its live SSE stream and its download. */
@Controller('tasks')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly events: TaskEventsService,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get(':id')
  @RequireLogin()
  async show(@Param('id', UuidPipe) id: string, @CurrentUser() user: SessionUser, @Res() res: Response) {
    const task = await this.tasks.findOwned(id, user.id);
    const state = this.tasks.stateOf(task);
    res.render('tasks/show', {
      title: KIND_TITLES[task.kind] ?? 'tasks.kinds.other',
      task: state,
      finished: FINAL.has(state.status),
      eventUrl: task.eventId ? `/events/${task.eventId}` : null,
      expired: task.kind === 'export_attendees_csv' && state.status === 'succeeded' && !state.downloadUrl,
    });
  }

  /**
   * Server-sent events: the current state at once, then every update the worker publishes (through
   * Redis, so it does not matter which web replica serves this), until the task finishes, or until
   * this process shuts down: the browser's EventSource then reconnects (to another replica).
   */
  @Get(':id/events')
  @RequireLogin()
  async stream(
    @Param('id', UuidPipe) id: string,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.tasks.findOwned(id, user.id);
    const stream = openEventStream(req, res, this.shutdown);
    const send = (state: TaskState) => {
      stream.send('progress', state);
      if (FINAL.has(state.status)) stream.close();
    };
    // Subscribe before reading the row, so an update between the two is not lost.
    stream.onClose(await this.events.listen(id, send));
    send(this.tasks.stateOf(await this.tasks.findOwned(id, user.id)));
  }

  @Get(':id/download')
  @RequireLogin()
  async download(@Param('id', UuidPipe) id: string, @CurrentUser() user: SessionUser, @Res() res: Response) {
    const task = await this.tasks.findOwned(id, user.id);
    if (!this.tasks.stateOf(task).downloadUrl || !task.file) {
      throw new GoneException('This download has expired or is not ready.');
    }
    const filename = ((task.result ?? {}) as { filename?: string }).filename ?? 'export.csv';
    res
      .status(200)
      .set({
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
        'Cache-Control': 'private, no-store',
      })
      .send(Buffer.from(task.file));
  }
}
