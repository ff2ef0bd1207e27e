import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import pino, { type DestinationStream, type TransportTargetOptions } from 'pino';
import { AppConfig } from '../config/app-config';
import { jobContext } from './job-context';
import { REDACTED_PATHS, redactUrl } from './redaction';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = /^\/(health\/|metrics|static\/|favicon)/;

/** The request's id: the caller's X-Request-Id when it is sane, otherwise a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One request id per request (`requestIdOf`), echoed in the response header and carried on every
 * log line of the request.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdOf(req);
  res.setHeader('X-Request-Id', id);
  return id;
}

/** pino-pretty's template (a string: the transport runs in a worker thread, so no function). */
const PRETTY_MESSAGE =
  '{if context}[{context}] {end}{msg}{if req.method} {req.method} {req.url} {res.statusCode} {responseTime} ms{end}';

function destination(config: AppConfig): DestinationStream | undefined {
  const { LOG_FILE, LOG_PRETTY, LOG_LEVEL } = config.values;
  const pretty = LOG_PRETTY ?? config.isDevelopment;
  const targets: TransportTargetOptions[] = [];
  if (pretty) {
    targets.push({
      target: 'pino-pretty',
      level: LOG_LEVEL,
      // One line per request and per Nest message ("[Context] message"), as a terminal in
      // development wants; the JSON lines (production, LOG_FILE) keep every field.
      options: {
        destination: 1,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,context,req,res,responseTime',
        messageFormat: PRETTY_MESSAGE,
      },
    });
  }
  if (LOG_FILE) {
    if (!pretty) targets.push({ target: 'pino/file', level: LOG_LEVEL, options: { destination: 1 } });
    targets.push({ target: 'pino/file', level: LOG_LEVEL, options: { destination: LOG_FILE, mkdir: true } });
  }
  // Plain JSON to stdout needs no transport thread.
  return targets.length ? pino.transport({ targets }) : undefined;
}

function logsRequests(level: string): boolean {
  return level !== 'silent' && pino.levels.values[level] <= pino.levels.values.info;
}

export function loggerParams(config: AppConfig): Params {
  const options = {
    level: config.values.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    genReqId: requestIdFor,
    mixin: () => jobContext.getStore() ?? {},
    // The "request completed" line is at info: below that level, no listener waits to write it.
    autoLogging: logsRequests(config.values.LOG_LEVEL)
      ? { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') }
      : false,
    // Our serializers get the request and response themselves (not pino-std-serializers' copies,
    // which read every header and the peer address, for each request, to build the per-request
    // logger's bindings), and keep only what a line needs.
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.originalUrl ?? req.url ?? ''),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  const stream = destination(config);
  const pinoHttp: Params['pinoHttp'] = stream ? [options, stream] : options;
  // Below info pino-http would write nothing and only make each request's logger: requestLogging
  // (mounted first by the web app) makes it when something logs, and nestjs-pino binds it.
  return logsRequests(config.values.LOG_LEVEL) ? { pinoHttp } : { pinoHttp, useExisting: true };
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: loggerParams,
    }),
  ],
})
export class LoggingModule {}
