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

const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]);
// SQLSTATEs of a server going away or not taking sessions: 57P01 admin shutdown (a restart or
// failover terminates every session), 57P02 crash shutdown, 57P03 cannot connect now (starting up,
// shutting down), 53300 too many connections; and class 08, connection exceptions.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_EXCEPTION_CLASS = '08';
// node-postgres' own messages for a connection that died under it, or a pool that cannot hand one
// out: the client is reported unusable ("not queryable") for the rest of that request.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connect ETIMEDOUT|connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end/i;

/** PostgreSQL could not be reached by a query that bypasses Prisma (see PrismaService.prepared). */
export class DatabaseUnavailableError extends Error {
  constructor(cause: Error) {
    super(`Database unavailable: ${cause.message}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

function isUnavailableSqlState(code: unknown): boolean {
  return (
    typeof code === 'string' &&
    (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith(CONNECTION_EXCEPTION_CLASS))
  );
}

/** True for a node-postgres error meaning "the database is not there right now". */
export function isUnavailableDriverError(error: unknown): boolean {
  // Duck-typed: socket errors come from Node's own realm, where `instanceof Error` can be false.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SOCKET_CODES.has(code) || isUnavailableSqlState(code))) {
    return true;
  }
  if (Array.isArray(errors)) return errors.some(isUnavailableDriverError);
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** What @prisma/adapter-pg says caused a failed query (Prisma wraps it in a P2039/P2010/… error). */
interface DriverAdapterCause {
  kind?: string;
  code?: string;
  originalCode?: string;
  message?: string;
  originalMessage?: string;
}

function driverCauseOf(error: { meta?: unknown }): DriverAdapterCause | undefined {
  return (error.meta as { driverAdapterError?: { cause?: DriverAdapterCause } } | undefined)
    ?.driverAdapterError?.cause;
}

function isUnavailableCause(cause: DriverAdapterCause): boolean {
  if (UNAVAILABLE_KINDS.has(cause.kind ?? '')) return true;
  if (isUnavailableSqlState(cause.code) || isUnavailableSqlState(cause.originalCode)) return true;
  return UNAVAILABLE_MESSAGES.test(`${cause.message ?? ''} ${cause.originalMessage ?? ''}`);
}

/**
 * True when `error` says PostgreSQL is unreachable (down, restarting, out of connections): an
 * outage, answered 503 with Retry-After by the error filter, not a bug. Decided here for every
 * route, whatever the error went through (Prisma's query layer, an interactive transaction, the
 * adapter, or node-postgres directly).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (UNAVAILABLE_CODES.has(error.code)) return true;
    const cause = driverCauseOf(error);
    return cause ? isUnavailableCause(cause) : UNAVAILABLE_MESSAGES.test(error.message);
  }
  if (error instanceof Prisma.PrismaClientUnknownRequestError)
    return UNAVAILABLE_MESSAGES.test(error.message);
  // The adapter's own error, unwrapped (an interactive transaction's commit or rollback).
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: unknown };
  if (name === 'DriverAdapterError' && cause && typeof cause === 'object') {
    return isUnavailableCause(cause as DriverAdapterCause);
  }
  // A node-postgres error that reached us directly.
  return isUnavailableDriverError(error);
}
