import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { expectStatus, submit, type Agent } from '../accounts/support';
import { loggedIn } from '../admin/support';
import { startWebApp } from '../support/web-app';
import { countQueries } from './query-counter';

describe('the home page with the page cache off (real PostgreSQL, Redis)', () => {
  let app: NestExpressApplication;
  let admin: Agent;
  const home = () => request(app.getHttpServer()).get('/').expect(200);

  beforeAll(async () => {
    app = await startWebApp({ EVENTS_PAGE_CACHE: 'false' });
    ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('makes one SQL statement, its list: the categories are held in memory, and a change in the admin shows at once', async () => {
    await home();
    const { queries } = await countQueries(home);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/FROM events e/);

    const name = `Folk ${Date.now()}`;
    expectStatus(await submit(admin, '/admin/eventcategory/add', { name, slug: '', _save: 'Save' }), 303);
    expect((await home()).text).toContain(`>${name}</option>`);
    expect((await countQueries(home)).queries).toHaveLength(1);
  });
});
