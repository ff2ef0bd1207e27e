import { Prisma } from '../generated/prisma/client';

// Driver-adapter error kinds (from @prisma/adapter-pg) that mean "the database is not there right
// now", as opposed to a bad query. Prisma codes P1001/P1002/P1017 say the same for its own checks.
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1017']);

/** True when `error` says PostgreSQL is unreachable (down, restarting, out of connections). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (UNAVAILABLE_CODES.has(error.code)) return true;
  const meta = error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined;
  return UNAVAILABLE_KINDS.has(meta?.driverAdapterError?.cause?.kind ?? '');
}
