import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../config/app-config';
import { debugToolbarEnabled } from '../debug-toolbar/debug-toolbar.config';
import { PrismaClient } from '../generated/prisma/client';

/**
 * The Prisma client for the whole app, over node-postgres (no native query engine).
 * It connects lazily on the first query, so the web process starts and serves pages that need
 * no database while PostgreSQL is down, and recovers by itself when it returns.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(config: AppConfig) {
    super({
      adapter: new PrismaPg({
        connectionString: config.values.DATABASE_URL,
        connectionTimeoutMillis: 5_000,
        // A dead connection is dropped from the pool instead of failing every later query.
        keepAlive: true,
      }),
      // Query events feed the debug toolbar (development only); nothing listens otherwise.
      log: debugToolbarEnabled(config) ? [{ emit: 'event', level: 'query' }] : [],
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
