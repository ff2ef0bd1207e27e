import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SchemaState } from '../database/schema-state';
import { sendServiceUnavailable } from './problem';

export const MIGRATIONS_PENDING_MESSAGE =
  'The site is being updated (database migrations pending). Please try again in a moment.';

/**
 * While this build's migrations are not all applied, every request but health checks and static
 * files answers 503 "migrations pending": a replica started before the deploy's migration job
 * serves nothing that needs the new schema (and never a 500 from a missing table or column).
 */
export function schemaGate(schema: SchemaState): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!schema.isPending || /^\/(health|static)\//.test(req.path)) return next();
    sendServiceUnavailable(req, res, MIGRATIONS_PENDING_MESSAGE, 5);
  };
}
