import { performance } from 'node:perf_hooks';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { AppConfig } from '../config/app-config';
import { debugToolbarEnabled } from '../debug-toolbar/debug-toolbar.config';
import { PrismaClient } from '../generated/prisma/client';
import { DatabaseUnavailableError, isUnavailableDriverError } from './database-errors';

/** A named SQL statement for `PrismaService.prepared`: the name must be unique per text. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** What the debug toolbar hears about a prepared statement (the shape of Prisma's query events). */
export interface PreparedQueryEvent {
  query: string;
  params: string;
  duration: number;
}

/**
 * The Prisma client for the whole app, over node-postgres (no native query engine).
 * It connects lazily on the first query, so the web process starts and serves pages that need
 * no database while PostgreSQL is down, and recovers by itself when it returns.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  private readonly pool: Pool;
  private readonly preparedListeners: Array<(event: PreparedQueryEvent) => void> = [];

  constructor(config: AppConfig) {
    const pool = new Pool({
      connectionString: config.values.DATABASE_URL,
      connectionTimeoutMillis: 5_000,
      max: config.values.DATABASE_POOL_SIZE,
      idleTimeoutMillis: config.values.DATABASE_POOL_IDLE_SECONDS * 1000,
      // Recycled hourly (psycopg_pool's max_lifetime), so no server backend grows for ever.
      maxLifetimeSeconds: 3_600,
      // A dead connection is dropped from the pool instead of failing every later query.
      keepAlive: true,
    });
    super({
      adapter: new PrismaPg(pool, { disposeExternalPool: true }),
      // Query events feed the debug toolbar (development only); nothing listens otherwise.
      log: debugToolbarEnabled(config) ? [{ emit: 'event', level: 'query' }] : [],
    });
    this.pool = pool;
    // An idle connection dropped by the server must not crash the process (Prisma adds its own
    // listener only once it first connects); the pool replaces it on the next query.
    const logger = new Logger(PrismaService.name);
    pool.on('error', (error) => logger.warn(`Idle database connection lost: ${error.message}`));
  }

  /**
   * Runs a named prepared statement on Prisma's own connection pool and returns its rows (as
   * node-postgres parses them: timestamps as Date, integers as numbers, bigints as strings).
   * For the few hottest statements only (the public pages' reads, the mail outbox's inserts):
   * PostgreSQL parses and plans the statement once per connection, and Prisma's query layer
   * (0.2 ms of CPU per raw query here, more per row for createMany) is skipped. Everything else
   * goes through Prisma. Behind PgBouncer in transaction mode
   * this needs `max_prepared_statements` (PgBouncer ≥ 1.21).
   * Throws DatabaseUnavailableError when PostgreSQL cannot be reached.
   */
  async prepared<Row>(statement: PreparedStatement, values: unknown[]): Promise<Row[]> {
    const started = performance.now();
    try {
      try {
        const result = await this.pool.query({ name: statement.name, text: statement.text, values });
        return result.rows as Row[];
      } catch (error) {
        if (!isStalePlan(error)) throw error;
        // A migration changed a column the statement returns, under this running process (a rolling
        // deploy): that connection's prepared plan is unusable, so run the text unprepared.
        const result = await this.pool.query({ text: statement.text, values });
        return result.rows as Row[];
      }
    } catch (error) {
      throw isUnavailableDriverError(error) ? new DatabaseUnavailableError(error as Error) : error;
    } finally {
      if (this.preparedListeners.length) {
        const event = {
          query: statement.text,
          params: JSON.stringify(values),
          duration: performance.now() - started,
        };
        for (const listener of this.preparedListeners) listener(event);
      }
    }
  }

  /**
   * Resolves once PostgreSQL answers a query, retrying while it is unavailable for up to
   * `withinMs`. For one-shot processes (CLI commands) started while the stack is still coming up
   * or a container restarts: one slow connect must not fail the command (the long-running
   * processes recover by themselves on the next request). Throws the last
   * DatabaseUnavailableError after the deadline, and any other error at once.
   */
  async waitUntilReachable(withinMs: number, onUnavailable?: (error: Error) => void): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query('SELECT 1');
        return;
      } catch (error) {
        if (!isUnavailableDriverError(error)) throw error;
        const unavailable = new DatabaseUnavailableError(error as Error);
        if (Date.now() >= deadline) throw unavailable;
        if (attempt === 1) onUnavailable?.(unavailable);
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 250, 2_000)));
      }
    }
  }

  /** Listens to every `prepared` statement run (the debug toolbar; Prisma's own go to `$on`). */
  onPreparedQuery(listener: (event: PreparedQueryEvent) => void): void {
    this.preparedListeners.push(listener);
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    // `prepared` uses the pool directly: when Prisma itself never connected, $disconnect leaves
    // the pool open, and its idle connections would keep a CLI process alive for
    // DATABASE_POOL_IDLE_SECONDS.
    if (!this.pool.ended) await this.pool.end();
  }
}

/** PostgreSQL's "cached plan must not change result type" (SQLSTATE 0A000) for a prepared statement. */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '0A000';
}
