import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs Express middlewares one after another as one. Express's router allocates for every
 * middleware it takes a request through (parameters, a continuation, a try/catch frame); the
 * session stack is six small steps that every page request takes. Written here because it is ten
 * lines: an error (thrown or passed on) goes to Express's error handling, as it would unchained.
 */
export function chain(handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown) => {
      if (error) return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        void handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
