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
