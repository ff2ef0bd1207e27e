import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { sql } from '../accounts/support';
import { startWebApp } from '../support/web-app';

const TOKEN = 'scrape-me-please-0123456789';

describe('Prometheus metrics at /metrics', () => {
  let open: NestExpressApplication;
  let guarded: NestExpressApplication;

  beforeAll(async () => {
    open = await startWebApp();
    guarded = await startWebApp({ METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
  });

  it('serves process, request and queue figures, labelled by route pattern (never the raw URL)', async () => {
    const [{ id }] = await sql<{ id: number }>(
      `WITH organizer AS (
         INSERT INTO users (email, display_name, updated_at)
         VALUES ('metrics-organizer@example.com', 'M', now()) RETURNING id
       )
       INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, updated_at)
       SELECT id, 'Counted', now() + interval '2 days', now() + interval '3 days', 5, now() FROM organizer
       RETURNING id`,
    );
    await request(open.getHttpServer()).get(`/events/${id}`).expect(200);
    await request(open.getHttpServer()).get('/no/such/page').expect(404);

    const scraped = await request(open.getHttpServer()).get('/metrics').expect(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scraped.text;
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/events\/:id",status="200"\} 1\b/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1\b/,
    );
    expect(text).not.toContain(`route="/events/${id}"`);
    for (const queue of ['mail', 'tasks', 'scheduler', 'system']) {
      expect(text).toMatch(new RegExp(`bull_queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+`));
    }
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    const server = guarded.getHttpServer();
    const anonymous = await request(server).get('/metrics').expect(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    await request(server).get('/metrics').set('Authorization', 'Bearer not-the-token-at-all').expect(401);
    const scraped = await request(server).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(scraped.text).toContain('http_request_duration_seconds');
  });

  it('in production answers only with METRICS_TOKEN, or with the explicit METRICS_PUBLIC opt-in', async () => {
    const production = (env: Record<string, string>) => startWebApp({ NODE_ENV: 'production', ...env });
    const closed = await production({});
    const optedIn = await production({ METRICS_PUBLIC: 'true' });
    const tokened = await production({ METRICS_TOKEN: TOKEN });
    try {
      const hidden = await request(closed.getHttpServer()).get('/metrics');
      expect(hidden.status).toBe(404);
      expect(hidden.text).not.toContain('http_request_duration_seconds');
      await request(optedIn.getHttpServer()).get('/metrics').expect(200);
      await request(tokened.getHttpServer()).get('/metrics').expect(401);
      await request(tokened.getHttpServer())
        .get('/metrics')
        .set('Authorization', `Bearer ${TOKEN}`)
        .expect(200);
    } finally {
      await Promise.all([closed.close(), optedIn.close(), tokened.close()]);
    }
  });
});
