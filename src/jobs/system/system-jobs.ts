/** Jobs on the `system` queue. */
export const SYSTEM_JOBS = {
  /** Round trip through the worker: proves a worker is consuming (used by tests and `check`). */
  ping: 'ping',
} as const;

export interface PingResult {
  pid: number;
  handledAt: string;
  echo: string;
}
