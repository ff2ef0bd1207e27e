import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS_DIR } from '../paths';
import { Migrator } from './migrator';

/** How often a process whose migrations are not all applied asks again. */
export const SCHEMA_POLL_INTERVAL_MS = 1_000;

/**
 * Whether the database has every migration this build ships. In a swarm (or any orchestrator
 * without start order) a new replica may start before the deploy's migration job has run: the web
 * then answers 503 "migrations pending" (readiness and every page, see schemaGate) until it has,
 * and tasks that write tables wait for `whenCurrent()`. Once current it stays so for this process
 * (a later deploy's migrations are the next image's business), and nothing is asked any more.
 * If the database cannot be asked, nothing is held back: the outage has its own answers (503s).
 */
@Injectable()
export class SchemaState implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SchemaState.name);
  private readonly migrator: Migrator;
  private pendingNames: string[] | undefined;
  private timer?: NodeJS.Timeout;
  private becameCurrent!: () => void;
  private readonly current = new Promise<void>((resolve) => (this.becameCurrent = resolve));

  constructor(config: AppConfig) {
    this.migrator = new Migrator(config.values.DATABASE_URL, MIGRATIONS_DIR);
  }

  /** Migrations not applied yet, as last seen; undefined while unknown (database unreachable). */
  get pending(): readonly string[] | undefined {
    return this.pendingNames;
  }

  get isPending(): boolean {
    return !!this.pendingNames?.length;
  }

  whenCurrent(): Promise<void> {
    return this.current;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    if (this.pendingNames?.length) {
      this.logger.warn(
        `Waiting for ${this.pendingNames.length} migration(s): ${this.pendingNames.join(', ')}`,
      );
    }
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.pendingNames = (await this.migrator.status()).pending;
    } catch (error) {
      if (this.pendingNames === undefined) {
        this.logger.warn(`Migration status unknown: ${(error as Error).message}`);
      }
    }
    if (this.pendingNames?.length === 0) {
      this.becameCurrent();
      return;
    }
    this.timer = setTimeout(() => void this.refresh(), SCHEMA_POLL_INTERVAL_MS);
    this.timer.unref();
  }
}

/**
 * For the worker, before it starts its processors: returns once every migration of this build is
 * applied (asking every SCHEMA_POLL_INTERVAL_MS), or at once if the database cannot be asked.
 * A SIGTERM meanwhile ends the process with 0: there is nothing to drain yet.
 */
export async function waitUntilMigrated(databaseUrl: string, log: (line: string) => void): Promise<void> {
  const migrator = new Migrator(databaseUrl, MIGRATIONS_DIR);
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  try {
    for (let attempt = 0; ; attempt += 1) {
      const pending = await migrator.status().then(
        (status) => status.pending,
        () => [],
      );
      if (!pending.length) return;
      if (attempt % 30 === 0) log(`Waiting for ${pending.length} migration(s): ${pending.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, SCHEMA_POLL_INTERVAL_MS));
    }
  } finally {
    process.off('SIGTERM', stop);
  }
}
