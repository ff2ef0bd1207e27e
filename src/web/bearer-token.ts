import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The token of `Authorization: Bearer <token>` (RFC 6750), or undefined when the header is absent,
 * of another scheme or malformed. The one place the header is read: the API's token guard, its rate
 * limit and the metrics token.
 */
export function bearerToken(req: { headers: IncomingHttpHeaders }): string | undefined {
  return BEARER.exec(req.headers.authorization ?? '')?.[1];
}
