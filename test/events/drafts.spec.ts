import { createHash, randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { csrfFrom, sql, type Agent } from '../accounts/support';
import { createUser, loggedIn } from '../admin/support';
import { fillPath, nestRoutes } from '../support/routes';
import { startWebApp } from '../support/web-app';

const DRAFT_TITLE = 'Unannounced surprise party';
const MISSING_ID = '2147483000';

describe('drafts look missing to anyone who may not see them, on every route', () => {
  let app: NestExpressApplication;
  let draftId: string;
  let member: Agent;
  let csrf: string;
  let bearer: string;

  beforeAll(async () => {
    app = await startWebApp();
    const organizer = await createUser();
    const [draft] = await sql<{ id: number }>(
      `INSERT INTO events (organizer_id, title, starts_at, ends_at, capacity, status, updated_at)
       VALUES ($1, $2, now() + interval '7 days', now() + interval '8 days', 10, 'draft', now()) RETURNING id`,
      [organizer.id, DRAFT_TITLE],
    );
    draftId = String(draft.id);
    const other = await loggedIn(app);
    member = other.agent;
    csrf = csrfFrom((await member.get('/accounts/profile')).text);
    bearer = `ept_${randomBytes(32).toString('base64url')}`;
    await sql(`INSERT INTO api_tokens (user_id, name, prefix, token_hash) VALUES ($1, 't', $2, $3)`, [
      other.user.id,
      bearer.slice(0, 10),
      createHash('sha256').update(bearer).digest('hex'),
    ]);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a draft exactly as a missing id, anonymously and as another member (pages and API)', async () => {
    const routes = nestRoutes(app).filter(
      (route) => route.numericParams.includes('id') && /\/events\/:id/.test(route.path),
    );
    // Pages (show, edit, cancel, attendees, publish, RSVP, e-mail, export, calendar) and the API.
    expect(routes.length).toBeGreaterThanOrEqual(15);
    const send = (who: 'anonymous' | 'member', method: string, path: string) => {
      const api = path.startsWith('/api/');
      const client = who === 'member' && !api ? member : request(app.getHttpServer());
      let call = client[method as 'post'](path);
      if (who === 'member' && api) call = call.set('Authorization', `Bearer ${bearer}`);
      if (who === 'member' && !api && method !== 'get') call = call.set('X-CSRF-Token', csrf);
      return method === 'get' || method === 'delete' ? call : call.send({ title: 'Changed by someone else' });
    };
    const differences: string[] = [];
    for (const route of routes) {
      for (const who of ['anonymous', 'member'] as const) {
        const missing = await send(who, route.method, fillPath(route.path, { id: MISSING_ID }));
        const draft = await send(who, route.method, fillPath(route.path, { id: draftId }));
        const label = `${who} ${route.method.toUpperCase()} ${route.path}`;
        if (draft.status !== missing.status)
          differences.push(`${label}: draft ${draft.status}, missing ${missing.status}`);
        if (draft.text.includes(DRAFT_TITLE)) differences.push(`${label}: shows the draft's title`);
      }
    }
    expect(differences).toEqual([]);
    // Nothing was changed by all that.
    expect(await sql('SELECT title, status FROM events WHERE id = $1', [draftId])).toEqual([
      { title: DRAFT_TITLE, status: 'draft' },
    ]);
  });
});
