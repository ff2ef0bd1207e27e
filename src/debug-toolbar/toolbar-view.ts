import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import hbs from 'hbs';
import { VIEWS_DIR } from '../paths';
import type { RequestProfile } from './request-profile';

/** The parts of `req.user` (a SessionUser once accounts land) the toolbar shows. */
export interface ToolbarUser {
  id?: unknown;
  email?: unknown;
  isStaff?: unknown;
  isSuperuser?: unknown;
}

export interface ToolbarRequest {
  method: string;
  path: string;
  status: number;
  user?: ToolbarUser;
}

const ms = (value: number) => value.toFixed(1);

/** Statements that ran more than once in one request: the usual sign of an N+1 loop. */
function repeatedStatements(profile: RequestProfile): { sql: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const query of profile.queries) counts.set(query.sql, (counts.get(query.sql) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([sql, count]) => ({ sql, count }));
}

export function toolbarContext(profile: RequestProfile, request: ToolbarRequest) {
  const repeated = repeatedStatements(profile);
  const repeatedSql = new Map(repeated.map(({ sql, count }) => [sql, count]));
  const cacheLookups = profile.cache.filter((access) => access.hit !== undefined);
  const hits = cacheLookups.filter((access) => access.hit).length;
  return {
    request: { ...request, totalMs: ms(profile.elapsedMs()) },
    user: request.user
      ? {
          id: String(request.user.id ?? ''),
          email: String(request.user.email ?? ''),
          role: request.user.isSuperuser ? 'superuser' : request.user.isStaff ? 'staff' : 'member',
        }
      : undefined,
    sql: {
      count: profile.queries.length,
      totalMs: ms(profile.queries.reduce((sum, query) => sum + query.durationMs, 0)),
      repeated,
      queries: profile.queries.map((query, index) => ({
        number: index + 1,
        sql: query.sql,
        params: query.params === '[]' ? '' : query.params,
        durationMs: ms(query.durationMs),
        repeatedCount: repeatedSql.get(query.sql),
      })),
    },
    cache: {
      hits,
      misses: cacheLookups.length - hits,
      accesses: profile.cache.map((access) => ({
        ...access,
        outcome: access.hit === undefined ? '' : access.hit ? 'hit' : 'miss',
        durationMs: ms(access.durationMs),
      })),
    },
    templates: {
      totalMs: ms(profile.renders.reduce((sum, render) => sum + render.durationMs, 0)),
      renders: profile.renders.map((render) => ({ ...render, durationMs: ms(render.durationMs) })),
    },
  };
}

type Template = (context: ReturnType<typeof toolbarContext>) => string;

/**
 * Renders `views/debug-toolbar/toolbar.hbs` and places it before `</body>`. The template is read
 * once per process: it belongs to the tool, not to the pages being developed.
 */
export class ToolbarView {
  private template?: Template;

  render(profile: RequestProfile, request: ToolbarRequest): string {
    this.template ??= hbs.handlebars.compile(
      readFileSync(join(VIEWS_DIR, 'debug-toolbar', 'toolbar.hbs'), 'utf8'),
    ) as Template;
    return this.template(toolbarContext(profile, request));
  }

  inject(html: string, toolbar: string): string {
    const at = html.lastIndexOf('</body>');
    return at === -1 ? html : `${html.slice(0, at)}${toolbar}\n${html.slice(at)}`;
  }
}
