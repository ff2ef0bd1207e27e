import { Prisma } from '../generated/prisma/client';
import { isDatabaseUnavailable } from './database-errors';

/** A query error as Prisma 7 reports one from @prisma/adapter-pg. */
function adapterError(cause: Record<string, unknown>, code = 'P2039') {
  return new Prisma.PrismaClientKnownRequestError(`Database error: ${String(cause.message)}`, {
    code,
    clientVersion: '7',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause } },
  });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    [
      '57P01 terminating connection (restart, failover)',
      adapterError({
        kind: 'postgres',
        code: '57P01',
        message: 'terminating connection due to administrator command',
      }),
    ],
    [
      '57P03 the database system is starting up',
      adapterError({ kind: 'postgres', code: '57P03', message: 'the database system is starting up' }),
    ],
    [
      '08006 connection failure',
      adapterError({ kind: 'postgres', code: '08006', message: 'connection failure' }),
    ],
    ['a closed connection', adapterError({ kind: 'ConnectionClosed' })],
    [
      '"not queryable" from a client whose connection died',
      adapterError({
        kind: 'GenericJs',
        message: 'Client has encountered a connection error and is not queryable',
      }),
    ],
    [
      'the adapter error unwrapped (a transaction commit)',
      Object.assign(new Error('terminating connection'), {
        name: 'DriverAdapterError',
        cause: { kind: 'postgres', code: '57P01' },
      }),
    ],
    ['node-postgres directly', new Error('Client has encountered a connection error and is not queryable')],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
  ])('%s: unavailable', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [
      'a syntax error',
      adapterError({ kind: 'postgres', code: '42601', message: 'syntax error at or near "SELEC"' }),
    ],
    [
      'a unique violation',
      new Prisma.PrismaClientKnownRequestError('Unique constraint failed', {
        code: 'P2002',
        clientVersion: '7',
      }),
    ],
    [
      'a CHECK violation',
      adapterError({ kind: 'postgres', code: '23514', message: 'violates check constraint' }),
    ],
    ['any other error', new Error('boom')],
  ])('%s: a bug or bad input, not an outage', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
