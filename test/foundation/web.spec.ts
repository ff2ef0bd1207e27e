import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { startWebApp } from '../support/web-app';

describe('web application (real PostgreSQL and Redis)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWebApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the home page as HTML inside the layout, with security headers', async () => {
    const response = await request(app.getHttpServer()).get('/').expect(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('<title>');
    expect(response.text).toContain('/static/vendor/pico/pico.min.css');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('serves static assets', async () => {
    await request(app.getHttpServer()).get('/static/app.css').expect(200).expect('content-type', /css/);
    await request(app.getHttpServer()).get('/static/vendor/pico/pico.min.css').expect(200);
  });

  it('generates a request id and echoes a sane incoming one', async () => {
    const generated = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await request(app.getHttpServer())
      .get('/health/live')
      .set('X-Request-Id', 'abc-123')
      .expect(200);
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(app.getHttpServer())
      .get('/health/live')
      .set('X-Request-Id', '<script>alert(1)</script>')
      .expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers readiness with both dependencies up', async () => {
    const response = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.body.status).toBe('ok');
    expect(Object.keys(response.body.info)).toEqual(['database', 'redis', 'migrations']);
  });

  it('renders a 404 page for browsers', async () => {
    const response = await request(app.getHttpServer())
      .get('/no/such/page')
      .set('Accept', 'text/html')
      .expect(404);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('Page not found');
  });

  it('answers problem+json under /api', async () => {
    const response = await request(app.getHttpServer()).get('/api/v1/nothing').expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(response.text);
    expect(body).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      instance: '/api/v1/nothing',
    });
    expect(body.requestId).toBe(response.headers['x-request-id']);
  });
});
