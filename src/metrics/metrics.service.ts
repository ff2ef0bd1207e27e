import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { JobQueues } from '../jobs/queue/queue.module';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * The Prometheus figures of the web process (prom-client): Node's own (CPU, memory, event-loop
 * delay, GC), request durations by route and status, and the number of jobs in each state of every
 * Bull queue, read from Redis when scraped (so the worker's backlog shows here too: the worker has
 * no HTTP listener). One registry per application, so several apps in one process stay apart.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;

  constructor(queues: JobQueues) {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'bull_queue_jobs',
      help: 'Jobs in each state of every Bull queue (read when scraped)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        for (const queue of queues.all()) {
          // Redis down: the other figures are still worth serving.
          const counts = await queue.counts().catch(() => undefined);
          if (!counts) continue;
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state]);
        }
      },
    });
  }

  /**
   * Times one request; call first thing, it records when the response is finished. `route` names
   * a response answered outside the router (the page cache); otherwise the route is read then.
   */
  observe(req: IncomingMessage, res: ServerResponse, route?: string): void {
    const stop = this.requests.startTimer();
    res.once('finish', () => {
      stop({
        method: req.method ?? '',
        route: route ?? routeOf(req as Request),
        status: String(res.statusCode),
      });
    });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A bounded label: the route pattern (`/events/:id`), never the URL itself. */
function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  // The 404 handler is a catch-all route (`{/*splat}`): not a page of its own.
  if (typeof route === 'string' && !route.includes('*')) return `${req.baseUrl}${route}`;
  if (req.originalUrl.startsWith('/static/')) return '/static';
  return 'unmatched';
}
