import { Controller, Get, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { startWebApp } from '../support/web-app';

@Controller()
class ExplodingController {
  @Get(['explode', 'api/explode'])
  explode(): never {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ExplodingController] })
class ExplodingModule {}

/** Registers a route that throws, next to the real app, for the duration of `work`. */
async function withExplodingRoute(
  env: Record<string, string>,
  work: (app: NestExpressApplication) => Promise<void>,
) {
  const original = AppModule.forRoot;
  const spy = jest.spyOn(AppModule, 'forRoot').mockImplementation((config) => {
    const module = original.call(AppModule, config);
    return { ...module, imports: [...(module.imports ?? []), ExplodingModule] };
  });
  const app = await startWebApp(env);
  try {
    await work(app);
  } finally {
    spy.mockRestore();
    await app.close();
  }
}

describe('unexpected errors', () => {
  it('in production: a 500 page with the request id and no stack trace', async () => {
    await withExplodingRoute({ NODE_ENV: 'production' }, async (app) => {
      const response = await request(app.getHttpServer())
        .get('/explode')
        .set('Accept', 'text/html')
        .expect(500);
      expect(response.text).toContain('Something went wrong');
      expect(response.text).toContain(response.headers['x-request-id']);
      expect(response.text).not.toContain('secret internal detail');
      expect(response.text).not.toMatch(/at \S+ \(/);
    });
  });

  it('in development: the stack trace is shown to the developer', async () => {
    await withExplodingRoute({ NODE_ENV: 'development' }, async (app) => {
      const response = await request(app.getHttpServer())
        .get('/explode')
        .set('Accept', 'text/html')
        .expect(500);
      expect(response.text).toContain('secret internal detail');
    });
  });

  it('under /api: problem+json without internals', async () => {
    await withExplodingRoute({ NODE_ENV: 'production' }, async (app) => {
      const response = await request(app.getHttpServer()).get('/api/explode').expect(500);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(response.text)).toMatchObject({ status: 500, title: 'Internal Server Error' });
      expect(response.text).not.toContain('secret internal detail');
    });
  });
});
