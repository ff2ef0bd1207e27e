import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * Hands out ioredis connections to REDIS_URL (Bull needs its own per role; health checks, rate
 * limits and pub/sub share `client`). Every connection reconnects forever with a capped backoff
 * and never queues commands while disconnected, so callers fail fast when Redis is down instead of
 * hanging a request.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly connections = new Set<Redis>();
  private shared?: Redis;

  constructor(private readonly config: AppConfig) {}

  get client(): Redis {
    this.shared ??= this.connect('shared');
    return this.shared;
  }

  /** PING, waiting briefly for a connection still being (re)established. */
  async ping(timeoutMs = 1_000): Promise<void> {
    const client = this.client;
    if (client.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          client.off('ready', onReady);
          reject(new Error(`not connected (${client.status})`));
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        client.once('ready', onReady);
      });
    }
    await client.ping();
  }

  /** A new connection; `bull` relaxes fail-fast settings the way Bull requires. */
  connect(role: string, overrides: RedisOptions = {}): Redis {
    const connection = new Redis(this.config.values.REDIS_URL, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      connectionName: `event-planner:${role}`,
      ...overrides,
    });
    let reported = false;
    connection.on('error', (error: Error) => {
      // One line per outage, not one per reconnect attempt.
      if (!reported) this.logger.warn(`Redis (${role}) unavailable: ${error.message}`);
      reported = true;
    });
    connection.on('ready', () => {
      if (reported) this.logger.log(`Redis (${role}) reconnected`);
      reported = false;
    });
    this.connections.add(connection);
    connection.once('end', () => this.connections.delete(connection));
    return connection;
  }

  // At application shutdown, not module destroy: Bull closes its queues (onApplicationShutdown)
  // over these connections, and a queue whose blocking connection was already quit retries for
  // seconds, so the worker overran SHUTDOWN_TIMEOUT_MS on SIGTERM once it had several queues.
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.connections].map((connection) => connection.quit().catch(() => connection.disconnect())),
    );
  }
}
