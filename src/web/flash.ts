import type { Request } from 'express';

export type FlashLevel = 'success' | 'error' | 'info';
export interface FlashMessage {
  level: FlashLevel;
  message: string;
}

/**
 * Queues a message for the next page this session renders (after a redirect, typically).
 * Stored in the session, so it survives the redirect and any web replica can show it; shown once
 * through `res.locals.flash` (see src/accounts/web-session.ts). Without a session it is dropped.
 */
export function addFlash(req: Request, level: FlashLevel, message: string): void {
  if (!req.session) req.startSession?.();
  if (!req.session) return;
  req.session.flash = [...(req.session.flash ?? []), { level, message }];
}

/** Removes and returns the queued messages (called lazily, only when a page is rendered). */
export function takeFlash(req: Request): FlashMessage[] {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}

/**
 * A request's messages as pages show them (`res.locals.flash`, which `{{#each flash}}` iterates):
 * taken from the session only when a page iterates them, so a redirect or a JSON answer leaves them
 * for the next page; taken once, then the same messages however often the page iterates.
 *
 * An object whose method lives on its prototype, not a getter defined on res.locals per request:
 * V8 allocates an accessor pair in its old generation, so the getter (a closure over the request)
 * was pointed at from there and kept the whole request (req, res, their headers) alive through
 * young-generation collections until a full one: the spec measures it.
 */
export class PendingFlash implements Iterable<FlashMessage> {
  private taken?: FlashMessage[];

  constructor(private readonly req: Request) {}

  [Symbol.iterator](): Iterator<FlashMessage> {
    return (this.taken ??= takeFlash(this.req))[Symbol.iterator]();
  }
}
