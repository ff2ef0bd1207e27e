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

// The same, as node-postgres reports them (PrismaService.prepared): socket errors, and SQLSTATEs
// 57P01-57P03 (shutting down / cannot connect now) and 53300 (too many connections).
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]);
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connect ETIMEDOUT/i;

/** PostgreSQL could not be reached by a query that bypasses Prisma (see PrismaService.prepared). */
export class DatabaseUnavailableError extends Error {
  constructor(cause: Error) {
    super(`Database unavailable: ${cause.message}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** True for a node-postgres error meaning "the database is not there right now". */
export function isUnavailableDriverError(error: unknown): boolean {
  // Duck-typed: socket errors come from Node's own realm, where `instanceof Error` can be false.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)))
    return true;
  if (Array.isArray(errors)) return errors.some(isUnavailableDriverError);
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** True when `error` says PostgreSQL is unreachable (down, restarting, out of connections). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (UNAVAILABLE_CODES.has(error.code)) return true;
  const meta = error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined;
  return UNAVAILABLE_KINDS.has(meta?.driverAdapterError?.cause?.kind ?? '');
}
