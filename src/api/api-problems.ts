import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSchema,
  getSchemaPath,
  type HeaderObject,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '../web/problem';

/**
 * The error body of every /api response (RFC 9457), as ErrorFilter writes it. `implements` keeps
 * this documentation in step with the type the filter fills in.
 */
@ApiSchema({
  name: 'ProblemDetails',
  description:
    'RFC 9457 problem details, sent as `application/problem+json` for every error. Validation ' +
    'problems (400) add `errors`, the messages per field.',
})
export class ProblemDetailsDto implements ProblemDetails {
  @ApiProperty({
    format: 'uri-reference',
    example: 'about:blank',
    description: 'Problem type; `about:blank` means the status code says it all',
  })
  type!: string;

  @ApiProperty({ example: 'Bad Request', description: 'The HTTP status phrase' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status code, repeated' })
  status!: number;

  @ApiPropertyOptional({
    example: 'Validation failed',
    description: 'What went wrong, for people (absent on 500s)',
  })
  detail?: string;

  @ApiPropertyOptional({
    format: 'uri-reference',
    example: '/api/v1/events',
    description: 'The request path (and query) that failed',
  })
  instance?: string;

  @ApiPropertyOptional({ description: 'The request id, as in the server logs: quote it in bug reports' })
  requestId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    example: { title: ['Title must be between 3 and 200 characters.'] },
    description: 'Validation problems only: field name → messages (nested fields as `a.b`)',
  })
  errors?: Record<string, string[]>;
}

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

/** How one error status of one operation is documented. */
export interface ProblemDoc {
  status: ProblemStatus;
  description: string;
  /** `detail` of the example body. */
  detail?: string;
  /** `errors` of the example body (validation problems). */
  errors?: Record<string, string[]>;
}

const retryAfter = (description: string): HeaderObject => ({
  description,
  schema: { type: 'integer', minimum: 1 },
});

/** Headers that come with a status whatever the operation. */
const HEADERS: Partial<Record<ProblemStatus, Record<string, HeaderObject>>> = {
  401: {
    'WWW-Authenticate': {
      description: 'The scheme to use',
      schema: { type: 'string', example: 'Bearer realm="api"' },
    },
  },
  429: {
    'Retry-After': retryAfter('Seconds until this token (or client address) may call again'),
    'RateLimit-Limit': { description: 'Requests allowed per token per minute', schema: { type: 'integer' } },
    'RateLimit-Remaining': { description: 'Always 0 here', schema: { type: 'integer' } },
  },
  503: { 'Retry-After': retryAfter('Seconds to wait before trying again') },
};

/** The usual meaning of each status in this API; an operation can say more (see ApiProblems). */
const DEFAULTS: Record<ProblemStatus, Omit<ProblemDoc, 'status'>> = {
  400: {
    description: 'Invalid input: `errors` holds the messages per field',
    detail: 'Validation failed',
    errors: { title: ['Title must be between 3 and 200 characters.'] },
  },
  401: {
    description: 'Missing, unknown or revoked bearer token (`Authorization: Bearer <token>`)',
    detail: 'A valid API token is required: send "Authorization: Bearer <token>".',
  },
  403: {
    description: 'Authenticated, but not allowed to do this',
    detail: 'Only the organizer can do this.',
  },
  404: {
    description: 'No such event, or a draft the token’s user may not see (a malformed id is a 404 too)',
    detail: 'Event not found',
  },
  409: {
    description: 'The request conflicts with the state of the resource',
  },
  413: {
    description: 'The request body is over 100 KB',
    detail: 'request entity too large',
  },
  429: {
    description:
      'Rate limit of this token exceeded (requests per minute, counted per token as sent, before ' +
      'authentication), or too many invalid tokens from this client address (then without the ' +
      '`RateLimit-*` headers); wait `Retry-After` seconds',
    detail: 'Rate limit exceeded: at most 120 requests a minute per token; retry in 12 s.',
  },
  500: {
    description: 'Unexpected server error (logged under `requestId`; no detail is given)',
  },
  503: {
    description: 'The database is unavailable (every call authenticates its token against it); retry later',
    detail: 'The database is unavailable right now. Please try again in a moment.',
  },
};

/**
 * Documents error responses as `application/problem+json` bodies of the ProblemDetails schema, with
 * each status's headers (Retry-After, WWW-Authenticate…) and an example body. Pass a status for its
 * usual meaning, or a ProblemDoc to say what it means for this operation:
 *
 *     @ApiProblems(404, { status: 409, description: 'The event has been cancelled' })
 *
 * On a controller it applies to every operation (the operation's own entry wins for a status).
 */
export function ApiProblems(
  ...problems: Array<ProblemStatus | ProblemDoc>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...problems.map((problem) => {
      const doc: ProblemDoc =
        typeof problem === 'number' ? { status: problem, ...DEFAULTS[problem] } : problem;
      const example: ProblemDetails = {
        type: 'about:blank',
        title: STATUS_CODES[doc.status] ?? 'Error',
        status: doc.status,
        ...(doc.detail !== undefined ? { detail: doc.detail } : {}),
        ...(doc.errors !== undefined ? { errors: doc.errors } : {}),
      };
      return ApiResponse({
        status: doc.status,
        description: doc.description,
        ...(HEADERS[doc.status] ? { headers: HEADERS[doc.status] } : {}),
        content: {
          [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsDto) }, example },
        },
      });
    }),
  );
}
