import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Applies Prisma-format migrations (`prisma/migrations/<name>/migration.sql`) and records them in
 * `_prisma_migrations` exactly as Prisma Migrate does, so `prisma migrate status/deploy` run
 * elsewhere agree with it.
 *
 * Written by hand because Prisma's own migrate commands need its native schema engine, which this
 * project's machines cannot download. Behaviour follows Prisma Migrate's `deploy`:
 * - the same advisory lock key as Prisma (72707369), so this tool, Prisma, and any number of
 *   replicas starting at once serialise and apply each migration exactly once;
 * - a migration whose file changed after it was applied, or one recorded as failed, stops the run;
 * - each migration runs in its own transaction (Prisma does not do this; we do, so a failed
 *   migration leaves no half-applied schema behind).
 */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

export class MigrationError extends Error {}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

// Prisma's own DDL for its bookkeeping table (migration-engine, postgres flavour).
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function checksumOf(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Whether a migration file still matches the checksum recorded when it was applied. Like Prisma,
 * a file whose only change is its line endings (git on Windows) still matches.
 */
export function matchesChecksum(sql: string, checksum: string): boolean {
  return [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/\r?\n/g, '\r\n')].some(
    (variant) => checksumOf(variant) === checksum,
  );
}

export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await fs.readFile(join(migrationsDir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: checksumOf(bytes) };
    }),
  );
}

/** Creates the database named in `databaseUrl` if it does not exist yet (like `prisma migrate dev`). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new MigrationError('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // Two processes racing to create it: the loser sees duplicate_database, or unique_violation on
    // pg_database when both passed PostgreSQL's own existence check. Either way it exists now.
    const code = (error as { code?: string }).code;
    if (code === '42P04' || code === '23505') return false;
    throw error;
  } finally {
    await admin.end();
  }
}

export class Migrator {
  constructor(
    private readonly databaseUrl: string,
    private readonly migrationsDir: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  async status(): Promise<MigrationStatus> {
    return this.withClient(async (client) => {
      const files = await readMigrations(this.migrationsDir);
      const rows = await this.appliedRows(client);
      this.verify(files, rows);
      const done = appliedNames(rows);
      return {
        applied: files.filter((file) => done.has(file.name)).map((file) => file.name),
        pending: files.filter((file) => !done.has(file.name)).map((file) => file.name),
      };
    });
  }

  /** Applies every pending migration; returns the names applied by this call. */
  async migrate(): Promise<string[]> {
    return this.withClient(async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
      try {
        await client.query(CREATE_MIGRATIONS_TABLE);
        const files = await readMigrations(this.migrationsDir);
        const rows = await this.appliedRows(client);
        this.verify(files, rows);
        const done = appliedNames(rows);
        const applied: string[] = [];
        for (const file of files.filter((candidate) => !done.has(candidate.name))) {
          await this.apply(client, file);
          applied.push(file.name);
        }
        return applied;
      } finally {
        // If the connection broke, the session lock died with it; keep the original error.
        await client
          .query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY])
          .catch(() => undefined);
      }
    });
  }

  private async apply(client: Client, file: MigrationFile): Promise<void> {
    const id = randomUUID();
    this.log(`Applying migration ${file.name}`);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, file.checksum, file.name],
    );
    try {
      await client.query('BEGIN');
      await client.query(file.sql);
      await client.query(
        `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      const message = (error as Error).message;
      // Recorded as failed, as Prisma does, so the next run refuses until someone resolves it.
      await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
      throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${message}`);
    }
  }

  private verify(files: MigrationFile[], rows: MigrationRow[]): void {
    const byName = new Map(files.map((file) => [file.name, file]));
    for (const row of rows) {
      if (row.rolled_back_at) continue;
      if (!row.finished_at) {
        throw new MigrationError(
          `Migration ${row.migration_name} is recorded as failed${row.logs ? ` (${firstLine(row.logs)})` : ''}. ` +
            `Fix the database, then mark it resolved: delete its row from _prisma_migrations ` +
            `(or run \`prisma migrate resolve\` where the Prisma engine is available).`,
        );
      }
      const file = byName.get(row.migration_name);
      if (!file) {
        throw new MigrationError(
          `Migration ${row.migration_name} is applied to the database but missing from ${this.migrationsDir}.`,
        );
      }
      if (file.checksum !== row.checksum && !matchesChecksum(file.sql, row.checksum)) {
        throw new MigrationError(
          `Migration ${row.migration_name} was modified after it was applied (checksum mismatch). ` +
            `Never edit an applied migration: revert the file and add a new migration instead.`,
        );
      }
    }
  }

  private async appliedRows(client: Client): Promise<MigrationRow[]> {
    const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS name`);
    if (!exists.rows[0]?.name) return [];
    const result = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, logs
         FROM "_prisma_migrations" ORDER BY started_at`,
    );
    return result.rows;
  }

  private async withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5_000 });
    // A connection the server drops surfaces as the failure of the query in flight; without a
    // listener the same 'error' event would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/**
 * Names of migrations that count as applied. A row marked rolled back (`prisma migrate resolve
 * --rolled-back`) does not: Prisma applies that migration again, and so do we.
 */
function appliedNames(rows: MigrationRow[]): Set<string> {
  return new Set(
    rows.filter((row) => row.finished_at && !row.rolled_back_at).map((row) => row.migration_name),
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 200);
}
