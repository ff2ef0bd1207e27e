import type { Response } from 'express';

/** Renders a page with an explicit status (forms answer 400 with their errors, not 200). */
export function renderPage(res: Response, view: string, data: Record<string, unknown>, status = 200): void {
  res.status(status).render(view, data);
}

/**
 * Waits until at least `floorMs` have passed since `startedAt`. Used where the answer must not
 * reveal whether an address has an account: the real work (hashing, a transaction, an e-mail
 * record) differs slightly between the two cases, and the floor hides that difference.
 */
export async function padResponseTime(startedAt: number, floorMs: number): Promise<void> {
  const remaining = floorMs - (performance.now() - startedAt);
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}

/** The client address for per-IP throttling (Express honours TRUST_PROXY for X-Forwarded-For). */
export function clientIp(ip: string | undefined): string {
  return ip ?? 'unknown';
}
