import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config/app-config';

/** Header name and value pairs, in the order they are sent. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The security headers of every response, as helmet sets them with this configuration. They do not
 * depend on the request, so helmet runs once at boot on a recording response and each request gets
 * the recorded list (helmet's own chain of a dozen middlewares per request cost more than the
 * headers themselves); the page cache sends the same list with its hits.
 */
export function securityHeaders(config: AppConfig): HeaderList {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: { 'upgrade-insecure-requests': config.isProduction ? [] : null },
    },
    strictTransportSecurity: config.isProduction,
  });
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  };
  let finished = false;
  middleware(
    { method: 'GET', url: '/', headers: {} } as Request,
    recorder as unknown as Response,
    (error?: unknown) => {
      if (error) throw error;
      finished = true;
    },
  );
  // A helmet that ever became asynchronous or request-dependent must not be recorded silently.
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be recorded');
  return [...headers];
}

/** Sets `headers` on every response. */
export function sendHeaders(headers: HeaderList): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
