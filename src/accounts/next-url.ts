const PLACEHOLDER_ORIGIN = 'http://same-site.invalid';

/**
 * `next` after log-in: only a path on this site. Anything else (absolute URLs, `//host`,
 * `/\host`, other schemes, control characters) becomes undefined, so it cannot be an open redirect.
 */
export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2000) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(next) || next.startsWith('//')) return undefined;
  try {
    const url = new URL(next, PLACEHOLDER_ORIGIN);
    if (url.origin !== PLACEHOLDER_ORIGIN) return undefined;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return undefined;
  }
}

export function loginUrl(next?: string): string {
  const path = safeNextPath(next);
  return path && path !== '/' ? `/accounts/login?next=${encodeURIComponent(path)}` : '/accounts/login';
}
