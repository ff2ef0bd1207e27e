import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'express';
import { VIEWS_DIR } from '../paths';
import type { AdminModelInfo } from './admin-site';

const found = new Map<string, boolean>();

/**
 * Renders an admin page: `views/admin/<model slug>/<name>.hbs` when a project overrides it for one
 * model (like Django's admin/<app>/<model>/change_form.html), otherwise `views/admin/<name>.hbs`.
 */
export function renderAdmin(
  res: Response,
  name: string,
  locals: Record<string, unknown>,
  info?: AdminModelInfo,
  status = 200,
): void {
  let view = `admin/${name}`;
  if (info) {
    const specific = `admin/${info.slug}/${name}`;
    const path = join(VIEWS_DIR, `${specific}.hbs`);
    if (!found.has(path)) found.set(path, existsSync(path));
    if (found.get(path)) view = specific;
  }
  res.status(status).render(view, { layout: 'admin/layout', ...locals });
}

/** Query string from parameters, skipping empty ones. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '' && !(key === 'p' && value === 1)) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The change page of one object (Django's `/admin/<model>/<id>/change/`). */
export function changeUrlOf(slug: string, id: unknown): string {
  return `/admin/${slug}/${String(id)}/change`;
}
