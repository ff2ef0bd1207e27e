import type { NestExpressApplication } from '@nestjs/platform-express';
import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import { requireSameOrigin, requireStaffPermission } from '../../accounts/express-guards';
import { PermissionsService } from '../../accounts/permissions.service';
import type { AppConfig } from '../../config/app-config';
import { JobQueues } from '../queue/queue.module';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board (every queue: inspect, retry, remove jobs) at /admin/queues. It is an
 * Express router, outside Nest's router, so Nest guards do not run on it: it is mounted behind the
 * accounts' Express guards instead, after the session middleware that sets req.user. Fail-closed:
 * no session user → login redirect (401 for API calls); not active staff with `queues.view` → 403;
 * state-changing calls from another origin → 403 (the board's fetch() calls carry no CSRF token).
 */
export function mountQueueDashboard(app: NestExpressApplication, config: AppConfig): void {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: app
      .get(JobQueues)
      .all()
      .map((queue) => queue.dashboardAdapter()),
    // @bull-board/express pins an older patch of @bull-board/api: same shapes, separate
    // declarations (private fields), so TypeScript needs telling they are one interface.
    serverAdapter: serverAdapter as unknown as IServerAdapter,
    options: { uiConfig: { boardTitle: 'Event Planner queues' } },
  });
  const guards: RequestHandler[] = [
    requireSameOrigin(config),
    requireStaffPermission(app.get(PermissionsService)),
  ];
  app.use(QUEUE_DASHBOARD_PATH, ...guards, serverAdapter.getRouter() as RequestHandler);
}
