import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { languageOr, type Language } from '../i18n/languages';
import { translateMessage } from '../i18n/translator';
import { isDatabaseUnavailable } from '../prisma/database-errors';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem';

type RequestWithId = Request & { id?: string | number };

// Machine-facing paths always answer JSON, whatever the Accept header says.
const JSON_PATHS = /^\/(health|metrics)(\/|$)/;

/**
 * Turns every error into the right shape for who asked: problem+json under /api, JSON for
 * operational endpoints, an HTML page for browsers. 5xx are logged with their stack; production
 * pages never show one, but always show the request id to quote in a bug report.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const req = context.getRequest<RequestWithId>();
    const res = context.getResponse<Response>();
    const databaseDown = isDatabaseUnavailable(exception);
    const status = exception instanceof HttpException ? exception.getStatus() : databaseDown ? 503 : 500;
    const requestId = req.id === undefined ? undefined : String(req.id);

    if (databaseDown) {
      // An outage, not a bug: one line, no stack, and clients are told to come back.
      this.logger.warn({ requestId }, `${req.method} ${req.originalUrl}: database unavailable`);
      res.setHeader('Retry-After', '30');
    } else if (status >= 500) {
      this.logger.error(
        { err: exception, requestId },
        `${req.method} ${req.originalUrl} failed: ${(exception as Error)?.message ?? exception}`,
      );
    }
    if (res.headersSent) return;

    const body = exception instanceof HttpException ? exception.getResponse() : undefined;
    const title = STATUS_CODES[status] ?? 'Error';
    // Only HttpExceptions carry messages written for users; anything else stays generic.
    const detail = databaseDown
      ? 'The database is unavailable right now. Please try again in a moment.'
      : status < 500
        ? this.messageOf(body)
        : undefined;

    // Messages may be catalogue keys (validation, services): said in the request's language, which
    // is English for a request that failed before the language was chosen.
    const language = languageOr(req.language);
    if (req.path.startsWith('/api')) {
      const errors = this.fieldErrorsOf(body);
      const problem: ProblemDetails = {
        type: 'about:blank',
        title,
        status,
        detail: detail === undefined ? undefined : translateMessage(detail, language),
        instance: req.originalUrl,
        requestId,
        errors:
          errors &&
          Object.fromEntries(
            Object.entries(errors).map(([field, messages]) => [
              field,
              messages.map((text) => translateMessage(text, language)),
            ]),
          ),
      };
      res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
      return;
    }
    if (JSON_PATHS.test(req.path) || req.accepts(['html', 'json']) !== 'html') {
      res
        .status(status)
        .json(
          typeof body === 'object' && body
            ? this.translated(body, language)
            : { statusCode: status, message: title },
        );
      return;
    }
    const template =
      status === 404
        ? 'errors/404'
        : databaseDown
          ? 'errors/error'
          : status >= 500
            ? 'errors/500'
            : 'errors/error';
    res.status(status).render(template, {
      lang: language,
      title: status === 404 ? 'errors.notFoundTitle' : title,
      status,
      detail,
      requestId,
      stack: this.config.isProduction ? undefined : (exception as Error)?.stack,
    });
  }

  /** A JSON error body with its `message` (one, or Nest's list) in the request's language. */
  private translated(body: object, language: Language): object {
    const { message } = body as { message?: unknown };
    if (typeof message === 'string') return { ...body, message: translateMessage(message, language) };
    if (Array.isArray(message))
      return { ...body, message: message.map((text) => translateMessage(text, language)) };
    return body;
  }

  private messageOf(body: unknown): string | undefined {
    if (typeof body === 'string') return body;
    if (body && typeof body === 'object' && 'message' in body) {
      const message = (body as { message: unknown }).message;
      if (typeof message === 'string') return message;
      if (Array.isArray(message)) return message.join('; ');
    }
    return undefined;
  }

  private fieldErrorsOf(body: unknown): Record<string, string[]> | undefined {
    if (body && typeof body === 'object' && 'errors' in body) {
      return (body as { errors: Record<string, string[]> }).errors;
    }
    return undefined;
  }
}
