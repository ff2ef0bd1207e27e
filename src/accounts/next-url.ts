const PLACEHOLDER_ORIGIN = 'http://same-site.invalid';

/**
 * `next` after log-in: only a path on this site, or undefined (like Django's
 * url_has_allowed_host_and_scheme, for paths). The value is first resolved the way a browser would
 * (dot segments, `./`), and the result must still be a path of this origin: resolving
 * `/..//evil.example` gives `//evil.example`, which a browser follows to another host. Refused:
 * absolute URLs, other schemes, `//host` and `/\host` (before or after resolving, escaped or not),
 * backslashes and control characters (browsers drop tabs and newlines, joining what surrounds them).
 */
export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2000) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return undefined;
  let url: URL;
  try {
    url = new URL(next, PLACEHOLDER_ORIGIN);
  } catch {
    return undefined;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return isSingleSlashPath(path) && isSingleSlashPath(next) ? path : undefined;
}

/**
 * A path a browser resolves against this origin: one leading slash, not followed by another
 * slash or a backslash, nor by their escapes (`/%2F%2Fhost`, which some proxies decode).
 */
function isSingleSlashPath(path: string): boolean {
  return path.startsWith('/') && !/^\/([/\\]|%2f|%5c)/i.test(path);
}

export function loginUrl(next?: string): string {
  const path = safeNextPath(next);
  return path && path !== '/' ? `/accounts/login?next=${encodeURIComponent(path)}` : '/accounts/login';
}
