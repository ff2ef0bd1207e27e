import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { ensureDatabase, MigrationError, Migrator, readMigrations } from '../../src/database/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { startProcess } from '../support/processes';
import { scratchDatabase, type ScratchDatabase } from '../support/scratch-database';

/** A throw-away `prisma/migrations`-style folder, so the real migrations are never touched. */
class MigrationsFolder {
  private constructor(readonly dir: string) {}

  static async create(migrations: Record<string, string> = {}): Promise<MigrationsFolder> {
    const folder = new MigrationsFolder(await fs.mkdtemp(join(tmpdir(), 'migrations-')));
    for (const [name, sql] of Object.entries(migrations)) await folder.write(name, sql);
    return folder;
  }

  async write(name: string, sql: string): Promise<void> {
    await fs.mkdir(join(this.dir, name), { recursive: true });
    await fs.writeFile(join(this.dir, name, 'migration.sql'), sql);
  }

  read(name: string): Promise<string> {
    return fs.readFile(join(this.dir, name, 'migration.sql'), 'utf8');
  }

  remove(): Promise<void> {
    return fs.rm(this.dir, { recursive: true, force: true });
  }
}

interface MigrationRecord {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

async function records(client: Client): Promise<MigrationRecord[]> {
  const result = await client.query<MigrationRecord>(
    'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name',
  );
  return result.rows;
}

async function tableExists(client: Client, table: string): Promise<boolean> {
  const result = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [
    `"${table}"`,
  ]);
  return result.rows[0].found !== null;
}

const CREATE_AUTHORS = `-- CreateTable
CREATE TABLE "authors" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "authors_pkey" PRIMARY KEY ("id")
);
`;
const CREATE_BOOKS = `-- CreateTable
CREATE TABLE "books" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "books_pkey" PRIMARY KEY ("id")
);
`;
// Widens the window in which concurrent runs would step on each other without the lock.
const SLOW_INDEX = `SELECT pg_sleep(0.3);
CREATE INDEX "books_title_idx" ON "books"("title");
`;

describe('Migrator', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function newDatabase(label = 'migr', options?: { create?: boolean }): Promise<ScratchDatabase> {
    const db = await scratchDatabase(label, options);
    cleanups.push(() => db.drop());
    return db;
  }

  async function newFolder(migrations: Record<string, string>): Promise<MigrationsFolder> {
    const folder = await MigrationsFolder.create(migrations);
    cleanups.push(() => folder.remove());
    return folder;
  }

  it("records applied migrations in Prisma's _prisma_migrations table, exactly as Prisma does", async () => {
    const db = await newDatabase();
    const folder = await newFolder({
      '20260101000000_authors': CREATE_AUTHORS,
      '20260102000000_books': CREATE_BOOKS,
    });
    const before = new Date();

    await expect(new Migrator(db.url, folder.dir).migrate()).resolves.toEqual([
      '20260101000000_authors',
      '20260102000000_books',
    ]);

    await db.withClient(async (client) => {
      // Prisma's own DDL for the table (schema engine, PostgreSQL flavour).
      const columns = await client.query(
        `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
           FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'
          ORDER BY ordinal_position`,
      );
      expect(columns.rows).toEqual([
        col('id', 'character varying', 36, 'NO'),
        col('checksum', 'character varying', 64, 'NO'),
        col('finished_at', 'timestamp with time zone', null, 'YES'),
        col('migration_name', 'character varying', 255, 'NO'),
        col('logs', 'text', null, 'YES'),
        col('rolled_back_at', 'timestamp with time zone', null, 'YES'),
        col('started_at', 'timestamp with time zone', null, 'NO', 'now()'),
        col('applied_steps_count', 'integer', null, 'NO', '0'),
      ]);
      const primaryKey = await client.query(
        `SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
          WHERE i.indrelid = '"_prisma_migrations"'::regclass AND i.indisprimary`,
      );
      expect(primaryKey.rows).toEqual([{ attname: 'id' }]);

      const rows = await records(client);
      expect(rows.map((row) => row.migration_name)).toEqual([
        '20260101000000_authors',
        '20260102000000_books',
      ]);
      for (const row of rows) {
        const file = await folder.read(row.migration_name);
        expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.applied_steps_count).toBe(1);
        expect(row.logs).toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(row.started_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
        expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      }
      expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    });
    // Nothing left to do: a second run is a no-op.
    await expect(new Migrator(db.url, folder.dir).migrate()).resolves.toEqual([]);
  });

  it('applies each migration exactly once when four runs start at the same time', async () => {
    const db = await newDatabase();
    const folder = await newFolder({
      '20260101000000_authors': CREATE_AUTHORS,
      '20260102000000_books': CREATE_BOOKS,
      '20260103000000_books_title': SLOW_INDEX,
    });

    const runs = await Promise.all(
      Array.from({ length: 4 }, () => new Migrator(db.url, folder.dir).migrate()),
    );

    // Every migration was applied by exactly one of the runs, and recorded once.
    expect(runs.flat().sort()).toEqual([
      '20260101000000_authors',
      '20260102000000_books',
      '20260103000000_books_title',
    ]);
    await db.withClient(async (client) => {
      const rows = await records(client);
      expect(rows.map((row) => [row.migration_name, row.applied_steps_count])).toEqual([
        ['20260101000000_authors', 1],
        ['20260102000000_books', 1],
        ['20260103000000_books_title', 1],
      ]);
    });
  });

  it('applies the real migrations exactly once when two `cli migrate` processes start at once', async () => {
    // Not created: both processes race to create it as well.
    const db = await newDatabase('migr_cli', { create: false });
    const processes = [1, 2].map(() => startProcess('src/cli.ts', ['migrate'], { DATABASE_URL: db.url }));

    const codes = await Promise.all(processes.map((child) => child.exited));
    const output = processes.map((child) => child.lines.join('\n')).join('\n---\n');
    // (Matching the pair prints both processes' output when one failed.)
    expect({ codes, output }).toMatchObject({ codes: [0, 0] });

    const expected = (await readMigrations(MIGRATIONS_DIR)).map((file) => file.name);
    await db.withClient(async (client) => {
      const rows = await records(client);
      expect(rows.map((row) => row.migration_name).sort()).toEqual(expected);
      expect(rows.every((row) => row.finished_at && row.applied_steps_count === 1)).toBe(true);
    });
    // One process applied them, the other found nothing left to do.
    expect(output).toMatch(new RegExp(`Applied ${expected.length} migration\\(s\\)`));
    expect(output).toMatch(/No pending migrations/);
  }, 120_000);

  it('refuses to run when an applied migration file was edited, and changes nothing', async () => {
    const db = await newDatabase();
    const folder = await newFolder({ '20260101000000_authors': CREATE_AUTHORS });
    await new Migrator(db.url, folder.dir).migrate();
    const before = await db.withClient(records);

    await folder.write(
      '20260101000000_authors',
      CREATE_AUTHORS + '\nCREATE INDEX "x" ON "authors"("name");\n',
    );
    await folder.write('20260102000000_books', CREATE_BOOKS);
    const run = new Migrator(db.url, folder.dir).migrate();

    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(/Migration 20260101000000_authors was modified after it was applied/);
    await expect(new Migrator(db.url, folder.dir).status()).rejects.toThrow(/modified after it was applied/);
    await db.withClient(async (client) => {
      expect(await records(client)).toEqual(before);
      expect(await tableExists(client, 'books')).toBe(false);
    });
  });

  it('accepts an applied migration whose only change is its line endings, as Prisma does', async () => {
    const db = await newDatabase();
    const folder = await newFolder({ '20260101000000_authors': CREATE_AUTHORS });
    await new Migrator(db.url, folder.dir).migrate();

    await folder.write('20260101000000_authors', CREATE_AUTHORS.replace(/\n/g, '\r\n'));

    await expect(new Migrator(db.url, folder.dir).migrate()).resolves.toEqual([]);
  });

  it('rolls back a failing migration, records it as failed, and refuses to continue until resolved', async () => {
    const db = await newDatabase();
    const broken = `CREATE TABLE "drafts" ("id" SERIAL NOT NULL);
INSERT INTO "authors" ("name") VALUES ('half-written');
CREATE TABLE "notes" ("id" SERIAL NOT NULL);
SELECT * FROM "no_such_table";
`;
    const folder = await newFolder({
      '20260101000000_authors': CREATE_AUTHORS,
      '20260102000000_broken': broken,
      '20260103000000_books': CREATE_BOOKS,
    });

    const run = new Migrator(db.url, folder.dir).migrate();
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(
      /Migration 20260102000000_broken failed and was rolled back: relation "no_such_table" does not exist/,
    );

    await db.withClient(async (client) => {
      // The earlier migration stays; nothing of the broken one survives; the later one never ran.
      expect(await tableExists(client, 'authors')).toBe(true);
      expect(await tableExists(client, 'drafts')).toBe(false);
      expect(await tableExists(client, 'notes')).toBe(false);
      expect(await tableExists(client, 'books')).toBe(false);
      expect((await client.query('SELECT * FROM "authors"')).rowCount).toBe(0);

      const rows = await records(client);
      expect(rows.map((row) => row.migration_name)).toEqual([
        '20260101000000_authors',
        '20260102000000_broken',
      ]);
      const failed = rows[1];
      expect(failed.finished_at).toBeNull();
      expect(failed.rolled_back_at).toBeNull();
      expect(failed.applied_steps_count).toBe(0);
      expect(failed.logs).toMatch(/no_such_table/);
    });

    // Even with the file fixed, a failed migration blocks every run until someone resolves it.
    const fixed = broken.replace('SELECT * FROM "no_such_table";\n', '');
    await folder.write('20260102000000_broken', fixed);
    const again = new Migrator(db.url, folder.dir);
    await expect(again.migrate()).rejects.toThrow(
      /Migration 20260102000000_broken is recorded as failed \(relation "no_such_table" does not exist\)/,
    );
    await expect(again.status()).rejects.toThrow(/recorded as failed/);
    expect(await db.withClient(async (client) => tableExists(client, 'books'))).toBe(false);

    // Resolved by deleting its row: the fixed migration and the later one apply.
    await db.withClient((client) =>
      client.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = '20260102000000_broken'`),
    );
    await expect(again.migrate()).resolves.toEqual(['20260102000000_broken', '20260103000000_books']);
    await db.withClient(async (client) => {
      expect(await tableExists(client, 'drafts')).toBe(true);
      expect(await tableExists(client, 'books')).toBe(true);
    });
  });

  it('applies again a failed migration that was resolved as rolled back (`prisma migrate resolve --rolled-back`)', async () => {
    const db = await newDatabase();
    const folder = await newFolder({ '20260101000000_authors': 'SELECT broken;' });
    await expect(new Migrator(db.url, folder.dir).migrate()).rejects.toThrow(/failed/);

    await db.withClient((client) => client.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now()`));
    await folder.write('20260101000000_authors', CREATE_AUTHORS);

    await expect(new Migrator(db.url, folder.dir).migrate()).resolves.toEqual(['20260101000000_authors']);
    await db.withClient(async (client) => {
      const rows = await records(client);
      expect(
        rows.map((row) => [row.migration_name, row.finished_at !== null, row.rolled_back_at !== null]),
      ).toEqual([
        ['20260101000000_authors', false, true],
        ['20260101000000_authors', true, false],
      ]);
    });
  });

  it('status() lists applied and pending migrations without changing anything', async () => {
    const db = await newDatabase();
    const folder = await newFolder({ '20260101000000_authors': CREATE_AUTHORS });
    const migrator = new Migrator(db.url, folder.dir);

    // A database never migrated has no _prisma_migrations table yet, and status() creates none.
    await expect(migrator.status()).resolves.toEqual({
      applied: [],
      pending: ['20260101000000_authors'],
    });
    expect(await db.withClient((client) => tableExists(client, '_prisma_migrations'))).toBe(false);

    await migrator.migrate();
    await folder.write('20260102000000_books', CREATE_BOOKS);
    await expect(migrator.status()).resolves.toEqual({
      applied: ['20260101000000_authors'],
      pending: ['20260102000000_books'],
    });
    expect(await db.withClient((client) => tableExists(client, 'books'))).toBe(false);
  });

  it('ensureDatabase creates a missing database once, even when called four times at once', async () => {
    const db = await newDatabase('migr_ensure', { create: false });

    const created = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(db.url)));

    expect(created.filter(Boolean)).toEqual([true]);
    await expect(ensureDatabase(db.url)).resolves.toBe(false);
    await expect(
      db.withClient(async (client) => (await client.query('SELECT 1 AS ok')).rows),
    ).resolves.toEqual([{ ok: 1 }]);
  });
});

function col(
  column_name: string,
  data_type: string,
  character_maximum_length: number | null,
  is_nullable: 'YES' | 'NO',
  column_default: string | null = null,
) {
  return { column_name, data_type, character_maximum_length, is_nullable, column_default };
}
