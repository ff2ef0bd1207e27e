import type { Request, Response } from 'express';

/** RFC 9457 problem details, the error body of every `/api` response. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  /** Field-level validation messages: `{ field: ['message', …] }`. */
  errors?: Record<string, string[]>;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * A 503 with Retry-After from an Express middleware (Nest's ErrorFilter does not reach those, and
 * hides 5xx messages anyway): problem+json under /api, JSON for machines, the error page for
 * browsers.
 */
export function sendServiceUnavailable(
  req: Request,
  res: Response,
  detail: string,
  retryAfterSeconds: number,
): void {
  res.status(503).setHeader('Retry-After', String(retryAfterSeconds));
  if (req.path.startsWith('/api')) {
    const problem: ProblemDetails = {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail,
      instance: req.originalUrl,
    };
    res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    return;
  }
  if (req.accepts(['html', 'json']) !== 'html') {
    res.json({ statusCode: 503, message: detail });
    return;
  }
  res.render('errors/error', { title: 'Service Unavailable', status: 503, detail });
}
