import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { BadRequestException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import multer, { MulterError } from 'multer';
import { message } from '../i18n/translator';

/**
 * Deepest nesting a body or query may have (objects and arrays inside one another). Our forms and
 * API bodies are flat; a bound stops a body nested thousands deep (a few KB) from exhausting the
 * stack of whatever walks it next (class-transformer did).
 */
export const MAX_INPUT_DEPTH = 10;

/** Body size limit of both parsers (body-parser's default, stated). */
const BODY_LIMIT = '100kb';

/**
 * The file fields a multipart form may carry (each at most one file): a file under any other name
 * is refused. Forms put their file inputs after the text fields (the CSRF token first), so the
 * fields have been read when a file turns out too large.
 */
export const UPLOAD_FIELDS = ['coverImage'] as const;
export type UploadField = (typeof UPLOAD_FIELDS)[number];

/** An uploaded file as the routes get it: in memory, its name and declared type ignored. */
export interface Upload {
  bytes: Buffer;
  size: number;
}

/** Past this a multipart request is refused outright (413) rather than read to its end. */
const MULTIPART_HARD_LIMIT = 50 * 1024 * 1024;

declare module 'express-serve-static-core' {
  interface Request {
    /** Files of a multipart form, by field (see UPLOAD_FIELDS). */
    uploads?: Partial<Record<UploadField, Upload>>;
    /** A file refused while reading (too large): the form shows it at the field, as a 400. */
    uploadErrors?: Partial<Record<UploadField, string>>;
  }
}

/**
 * The edge of every request, before any route sees it: bodies are parsed here (JSON and
 * urlencoded) and every piece of text a request carries is checked once, for all routes:
 *
 * - the path, query and body must be valid UTF-8 (the decoders would otherwise turn bad bytes into
 *   U+FFFD silently, and store them);
 * - no key or value may contain U+0000 (PostgreSQL text cannot hold it: SQLSTATE 22021);
 * - no key may be `__proto__`, `constructor` or `prototype` (copied onto an object, they reach
 *   its prototype: prototype pollution, or a crash in class-transformer);
 * - bodies nest at most MAX_INPUT_DEPTH levels.
 *
 * Each refusal is a 400 naming the field (problem+json `errors` under /api, the error page
 * otherwise), so routes, DTOs and services never see such input.
 */
export function configureRequestInput(app: NestExpressApplication, uploadLimitBytes = 5 * 1024 * 1024): void {
  // body-parser's own `depth` (qs refuses anything deeper with a 400, rather than keeping the rest
  // as a literal key) is missing from its type definitions.
  const formOptions: Parameters<typeof urlencoded>[0] & { depth: number } = {
    limit: BODY_LIMIT,
    extended: true,
    depth: MAX_INPUT_DEPTH,
    verify: requireUtf8Form,
  };
  app.use(refuseMalformedAddress);
  app.use(json({ limit: BODY_LIMIT, verify: requireUtf8Json }));
  app.use(urlencoded(formOptions));
  app.use(multipartForms(uploadLimitBytes));
  app.use(refuseMalformedFields);
}

/**
 * multipart/form-data (forms with a file input), parsed into memory by multer: text fields into
 * `req.body` like urlencoded ones (the checks below then apply to them too), files into
 * `req.uploads`. A file over `limitBytes` is not a 413 page: its field gets the message (the
 * route re-renders the form), the rest of the body is read and dropped.
 */
function multipartForms(limitBytes: number) {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: {
      fileSize: limitBytes,
      files: UPLOAD_FIELDS.length,
      fields: 100,
      fieldSize: 100 * 1024,
      fieldNestingDepth: MAX_INPUT_DEPTH,
    },
  }).fields(UPLOAD_FIELDS.map((name) => ({ name, maxCount: 1 })));
  const megabytes = Math.round((limitBytes / 1024 / 1024) * 10) / 10;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    if (Number(req.headers['content-length'] ?? 0) > MULTIPART_HARD_LIMIT) {
      return next(
        Object.assign(parserRefusal('The upload is far too large.'), { status: 413, statusCode: 413 }),
      );
    }
    parse(req, res, (error: unknown) => {
      req.body ??= {};
      if (error instanceof MulterError && error.code === 'LIMIT_FILE_SIZE' && isUploadField(error.field)) {
        // A catalogue key, said next to the field in the reader's language.
        req.uploadErrors = {
          [error.field]: message('organizing.validation.coverTooLarge', { mb: megabytes }),
        };
        return next();
      }
      if (error instanceof MulterError) {
        const field = error.field ?? '(unnamed)';
        return next(
          fieldError(
            field,
            error.code === 'LIMIT_UNEXPECTED_FILE'
              ? 'does not take a file.'
              : `was refused: ${error.message}.`,
          ),
        );
      }
      // Anything else busboy reports (no boundary, a truncated body, a malformed part header) is
      // the client's malformed request, never a 500.
      if (error) return next(parserRefusal(`The multipart form is malformed: ${(error as Error).message}.`));
      const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
      req.files = undefined;
      req.uploads = {};
      for (const name of UPLOAD_FIELDS) {
        const file = files[name]?.[0];
        if (file && file.size > 0) req.uploads[name] = { bytes: file.buffer, size: file.size };
      }
      // busboy decodes fields as UTF-8 and turns bad bytes into U+FFFD silently: refused instead.
      const bad = Object.entries(req.body as Record<string, unknown>).find(
        ([, value]) => typeof value === 'string' && value.includes('\uFFFD'),
      );
      if (bad) return next(fieldError(bad[0], 'is not valid UTF-8.'));
      next();
    });
  };
}

function isUploadField(field: string | undefined): field is UploadField {
  return (UPLOAD_FIELDS as readonly string[]).includes(field ?? '');
}

function refuseMalformedAddress(req: Request, _res: Response, next: NextFunction): void {
  const url = req.originalUrl;
  // The common case, cheaply: a URL without escapes cannot hide bad bytes or a NUL (Node's HTTP
  // parser refuses raw control characters and non-ASCII bytes in the request line).
  if (!url.includes('%')) return next();
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const pathBytes = percentDecoded(path);
  if (!isUtf8(pathBytes)) return next(badRequest('The address is not valid UTF-8.'));
  if (pathBytes.includes(0)) return next(badRequest('The address contains a NUL character (%00).'));
  const field = queryAt === -1 ? undefined : invalidUtf8Field(url.slice(queryAt + 1));
  if (field !== undefined) return next(fieldError(field, 'is not valid UTF-8.'));
  next();
}

function refuseMalformedFields(req: Request, _res: Response, next: NextFunction): void {
  // Express 5 leaves the body undefined when there is none; routes get an empty form instead.
  req.body ??= {};
  const problem = inputProblem(req.query) ?? inputProblem(req.body);
  next(problem ? fieldError(problem.field, problem.message) : undefined);
}

/** body-parser `verify` hooks: they see the raw bytes, before the decoder hides bad ones. */
function requireUtf8Json(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (isUtf8Encoding(encoding) && !isUtf8(body)) throw parserRefusal('The request body is not valid UTF-8.');
}

function requireUtf8Form(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (!isUtf8Encoding(encoding)) return;
  const field = invalidUtf8Field(body.toString('latin1'));
  if (field !== undefined) throw parserRefusal(`The field "${field}" is not valid UTF-8.`);
}

function isUtf8Encoding(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding);
}

/**
 * The name of the first field of an urlencoded string (`a=1&b=%FF`) whose percent-decoded bytes
 * are not UTF-8 ('' when it has no readable name), or undefined when all are valid.
 */
export function invalidUtf8Field(encoded: string): string | undefined {
  for (const pair of encoded.split('&')) {
    if (isUtf8(percentDecoded(pair))) continue;
    const name = percentDecoded(pair.split('=', 1)[0].replaceAll('+', ' '));
    return isUtf8(name) ? name.toString('utf8') : '';
  }
  return undefined;
}

/**
 * The bytes a percent-encoded string stands for. `text` holds one byte per character (Node reads
 * request lines as latin1; bodies are passed in as latin1), so every escape and every other
 * character map back to exactly the byte that was sent.
 */
function percentDecoded(text: string): Buffer {
  const decoded = text.replace(/%([0-9a-fA-F]{2})/g, (_escape, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  return Buffer.from(decoded, 'latin1');
}

/**
 * Names that reach into an object's prototype when input is copied onto objects (`__proto__`
 * replaces it; class-transformer follows `constructor`): never field names here.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface InputProblem {
  /** Where: `title`, `tags[0]`, `a[b]` (the form's own notation). */
  field: string;
  message: string;
}

/**
 * The first problem in a parsed body or query: a NUL in a key or a value, a reserved key, or
 * nesting deeper than MAX_INPUT_DEPTH. Iterative, so no input can exhaust the stack here.
 */
export function inputProblem(input: unknown): InputProblem | undefined {
  const pending: { value: unknown; field: string; depth: number }[] = [{ value: input, field: '', depth: 0 }];
  while (pending.length) {
    const { value, field, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field, message: 'contains a NUL character (U+0000).' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_INPUT_DEPTH) {
      return { field, message: `is nested too deeply (at most ${MAX_INPUT_DEPTH} levels).` };
    }
    for (const key of Object.keys(value)) {
      const child = field ? `${field}[${key}]` : key;
      if (key.includes('\u0000')) {
        return {
          field: child.replaceAll('\u0000', '\\0'),
          message: 'has a NUL character (U+0000) in its name.',
        };
      }
      if (RESERVED_KEYS.has(key)) return { field: child, message: 'is not an allowed field name.' };
      pending.push({ value: (value as Record<string, unknown>)[key], field: child, depth: depth + 1 });
    }
  }
  return undefined;
}

function fieldError(field: string, message: string): BadRequestException {
  const name = field || '(unnamed)';
  return new BadRequestException({
    message: `The field "${name}" ${message}`,
    errors: { [name]: [`This field ${message}`] },
  });
}

function badRequest(message: string): BadRequestException {
  return new BadRequestException(message);
}

/**
 * What a body-parser hook throws: body-parser wraps it as an http-errors 400, which Nest maps to
 * a BadRequestException carrying this message.
 */
function parserRefusal(message: string): Error {
  return Object.assign(new Error(message), { status: 400, statusCode: 400, expose: true });
}
