import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PinoLogger, type Params } from 'nestjs-pino';
import type { Logger } from 'pino';
import { requestIdFor } from './logging.module';

/**
 * Each request's id (the X-Request-Id header), first thing, so that every later step and the
 * error pages have it; and, when `params` say nestjs-pino mounts no pino-http (`useExisting`: the
 * level writes no line per request, see loggerParams), the request's logger, `req.log`, which
 * nestjs-pino binds to the request's logs.
 */
export function requestLogging(params: Params): RequestHandler {
  // Outside any request, PinoLogger's logger is the application's root logger.
  const root = params.useExisting ? new PinoLogger(params).logger : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    req.id ??= requestIdFor(req, res);
    if (root && !req.log) req.log = requestLogger(root, req);
    next();
  };
}

/**
 * A request's logger: pino's child of `root` with the request's bindings, made when something
 * logs. pino-http makes it for every request, and making it (its bindings serialized, then
 * redacted: @pinojs/redact parses each path again on every call) was ~20 µs of every page's CPU
 * (~7 %), while below info nearly no request logs anything.
 */
export function requestLogger(root: Logger, req: IncomingMessage): Logger {
  let made: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, property) {
      const logger = (made ??= root.child({ req }));
      const value: unknown = Reflect.get(logger, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
    },
  });
}
