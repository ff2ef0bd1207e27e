import { Client } from 'pg';

/**
 * Counts SQL statements sent by every node-postgres client in this process (Prisma's adapter
 * included) while `fn` runs: how the tests prove that a cached page touched no database.
 */
export async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  const queries: string[] = [];
  prototype.query = function (this: Client, ...args: unknown[]) {
    const first = args[0];
    queries.push(typeof first === 'string' ? first : String((first as { text?: string })?.text ?? first));
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, queries };
  } finally {
    prototype.query = original;
  }
}
