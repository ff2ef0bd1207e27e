import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { expectStatus, sql } from '../accounts/support';
import { loggedIn } from '../admin/support';
import { loadConfig } from '../../src/config/app-config';
import { EventTasksProcessor } from '../../src/events/event-tasks.processor';
import { CoreModule } from '../../src/core/core.module';
import { EventsCoreModule } from '../../src/events/events-core.module';
import { TasksCoreModule } from '../../src/jobs/tasks/tasks-core.module';
import { startWebApp } from '../support/web-app';

type TaskJob = Parameters<EventTasksProcessor['run']>[0];

/**
 * A task that failed says so in its owner's language: the worker writes the text (in the owner's
 * language, as it does a finished task's summary), which the task page and its live stream show.
 */
describe('a failed task in its owner’s language (real worker, PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    app = await startWebApp();
    // The worker's task processor, as the worker module provides it.
    const moduleRef = await Test.createTestingModule({
      imports: [CoreModule.forRoot(loadConfig(process.env)), EventsCoreModule, TasksCoreModule],
      providers: [EventTasksProcessor],
    }).compile();
    worker = await moduleRef.init();
  });
  afterAll(async () => {
    await worker.close();
    await app.close();
  });

  it.each([
    ['uk', 'Завдання не вдалося виконати; спробуйте ще раз.'],
    ['ru', 'Задачу не удалось выполнить; попробуйте ещё раз.'],
    ['en', 'The task failed; please try again.'],
  ])('in %s', async (language, text) => {
    const { agent, user } = await loggedIn(app);
    await sql(`UPDATE users SET language = $1 WHERE id = $2`, [language === 'en' ? null : language, user.id]);
    // An export of an event that no longer exists: the worker's last attempt fails.
    const [task] = await sql<{ id: string }>(
      `INSERT INTO tasks (id, owner_id, event_id, kind, updated_at)
       VALUES (gen_random_uuid(), $1, NULL, 'export_attendees_csv', now())
       RETURNING id`,
      [user.id],
    );
    const job = { data: { taskId: task.id }, opts: { attempts: 1 }, attemptsMade: 0 } as unknown as TaskJob;
    await expect(worker.get(EventTasksProcessor).run(job)).rejects.toThrow();

    const [row] = await sql<{ status: string; error: string }>(
      'SELECT status, error FROM tasks WHERE id = $1',
      [task.id],
    );
    expect(row).toEqual({ status: 'failed', error: text });
    const page = expectStatus(await agent.get(`/tasks/${task.id}`), 200).text;
    expect(page).toContain(text);
  });
});
