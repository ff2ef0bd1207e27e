import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '../../src/config/app-config';
import { Migrator, readMigrations } from '../../src/database/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';
import { BackupError, BackupService, backupFileName, isBackupOf } from '../../src/backups/backup.service';
import { clientEnvironment, libpqConnection } from '../../src/backups/pg-connection';
import { PostgresClientTools } from '../../src/backups/postgres-client-tools';
import { DEMO_PASSWORD } from '../../src/events/seed.command';
import { browser, expectStatus, logIn } from '../accounts/support';
import { startProcess } from '../support/processes';
import { scratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startWebApp } from '../support/web-app';

type Snapshot = Record<string, string>;

/** Every table's row count and a checksum of all its rows, and every sequence's position. */
async function snapshot(db: ScratchDatabase): Promise<Snapshot> {
  return db.withClient(async (client) => {
    const result: Snapshot = {};
    const tables = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    for (const { name } of tables.rows) {
      const { rows } = await client.query<{ n: number; sum: string }>(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum
           FROM "${name}" t`,
      );
      result[name] = `${rows[0].n} rows, ${rows[0].sum}`;
    }
    const sequences = await client.query<{ name: string; last: string | null }>(
      `SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = 'public'`,
    );
    for (const { name, last } of sequences.rows) result[`sequence ${name}`] = String(last);
    return result;
  });
}

function serviceFor(databaseUrl: string, extra: Record<string, string> = {}): BackupService {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, ...extra });
  return new BackupService(config, new PostgresClientTools(config));
}

function cli(args: string[], env: Record<string, string>) {
  return startProcess('src/cli.ts', args, { LOG_LEVEL: 'warn', ...env });
}

async function migrated(label: string): Promise<ScratchDatabase> {
  const db = await scratchDatabase(label);
  await new Migrator(db.url, MIGRATIONS_DIR).migrate();
  return db;
}

describe('dbbackup and dbrestore', () => {
  let source: ScratchDatabase;
  let before: Snapshot;
  let dir: string;
  let backupFile: string;
  const scratch: ScratchDatabase[] = [];
  const track = (db: ScratchDatabase): ScratchDatabase => (scratch.push(db), db);

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'ep-backups-'));
    source = track(await migrated('src'));
    // The demo data (users whose argon2 hashes must survive), then rows with the awkward values
    // a dump must carry: tabs, newlines, backslashes, quotes, NULLs, non-ASCII.
    const seeded = cli(['seed'], { DATABASE_URL: source.url });
    expect(await seeded.exited).toBe(0);
    await source.withClient((client) =>
      client.query(`
        INSERT INTO events (organizer_id, title, description, location, starts_at, ends_at, capacity, updated_at, cancelled_at)
        SELECT (SELECT min(id) FROM users), 'Événement ' || n || E'\\t"quoted"\\\\', E'line one\\nline two',
               CASE WHEN n % 3 = 0 THEN '' ELSE 'Café №' || n END,
               now() + n * interval '1 hour', now() + n * interval '1 hour' + interval '2 hours',
               CASE WHEN n % 2 = 0 THEN NULL ELSE n END, now(),
               CASE WHEN n % 7 = 0 THEN now() END
          FROM generate_series(1, 2000) AS n`),
    );
    before = await snapshot(source);
    backupFile = (await serviceFor(source.url).backup({ output: dir })).file!;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(scratch.map((db) => db.drop()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('round trip through the CLI: back up, drop the database, restore it: the same rows, and log-in works', async () => {
    const backupDir = join(dir, 'cli');
    const backedUp = cli(['dbbackup'], { DATABASE_URL: source.url, BACKUP_DIR: backupDir });
    expect(await backedUp.exited).toBe(0);
    expect(backedUp.lines).toHaveLength(1);
    expect(backedUp.lines[0]).toMatch(
      new RegExp(
        `^Backed up ${source.name} to ${backupDir}/${source.name}-\\d{8}T\\d{6}\\.\\d{3}Z\\.dump \\(\\d+\\.\\d MB, \\d+\\.\\d s\\)\\.$`,
      ),
    );
    const [file] = await fs.readdir(backupDir);
    expect((await fs.readFile(join(backupDir, file))).subarray(0, 5).toString()).toBe('PGDMP');

    await source.drop();
    const restored = cli(['dbrestore', join(backupDir, file)], { DATABASE_URL: source.url });
    expect(await restored.exited).toBe(0);
    expect(restored.lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Restored ${source.name} from .+\\.dump in \\d+\\.\\d s; created the database; no pending migrations\\.$`,
        ),
      ),
    ]);
    expect(await snapshot(source)).toEqual(before);

    // The restored argon2 hash verifies through the real log-in page, and a wrong password does not.
    let app: NestExpressApplication | undefined;
    try {
      app = await startWebApp({ DATABASE_URL: source.url });
      expectStatus(await logIn(browser(app), 'ada@example.com', 'not the password'), 400);
      const agent = browser(app);
      expectStatus(await logIn(agent, 'ada@example.com', DEMO_PASSWORD), 303);
      expect((await agent.get('/accounts/profile').expect(200)).text).toContain('ada@example.com');
    } finally {
      await app?.close();
    }
  }, 120_000);

  it('restores an older backup, then applies the migrations it predates', async () => {
    const all = await readMigrations(MIGRATIONS_DIR);
    const older = await fs.mkdtemp(join(tmpdir(), 'ep-older-migrations-'));
    for (const migration of all.slice(0, -1)) {
      await fs.mkdir(join(older, migration.name));
      await fs.writeFile(join(older, migration.name, 'migration.sql'), migration.sql);
    }
    const old = track(await scratchDatabase('old'));
    await new Migrator(old.url, older).migrate();
    const { file } = await serviceFor(old.url).backup({ output: dir });

    const target = track(await scratchDatabase('current', { create: false }));
    const result = await serviceFor(target.url).restore({ input: file! });
    expect(result).toMatchObject({ created: true, tablesBefore: 0, migrations: [all.at(-1)!.name] });
    expect(await new Migrator(target.url, MIGRATIONS_DIR).status()).toEqual({
      applied: all.map((migration) => migration.name),
      pending: [],
    });
    await fs.rm(older, { recursive: true });
  }, 60_000);

  it('refuses a database that is not empty and changes nothing; --force replaces everything in it', async () => {
    const target = track(await migrated('busy'));
    await target.withClient((client) =>
      client.query(`CREATE TABLE leftover (id int); INSERT INTO leftover VALUES (1);
                    INSERT INTO users (email, display_name, updated_at) VALUES ('only-here@example.com', 'X', now())`),
    );
    const untouched = await snapshot(target);

    const service = serviceFor(target.url);
    await expect(service.restore({ input: backupFile })).rejects.toThrow(
      new RegExp(
        `^database ${target.name} is not empty \\(\\d+ tables: .*\\); nothing was restored\\. Pass --force`,
      ),
    );
    expect(await snapshot(target)).toEqual(untouched);

    const forced = await service.restore({ input: backupFile, force: true });
    expect(forced.tablesBefore).toBeGreaterThan(10);
    expect(forced.migrations).toEqual([]);
    expect(await snapshot(target)).toEqual(before);
  }, 60_000);

  it('--clean drops and recreates what the backup holds and leaves other objects alone', async () => {
    const target = track(await migrated('clean'));
    await target.withClient((client) =>
      client.query(`CREATE TABLE leftover (id int); INSERT INTO leftover VALUES (1);
                    INSERT INTO users (email, display_name, updated_at) VALUES ('only-here@example.com', 'X', now())`),
    );
    await serviceFor(target.url).restore({ input: backupFile, clean: true });
    const { leftover, ...rest } = await snapshot(target);
    expect(leftover).toMatch(/^1 rows/);
    expect(rest).toEqual(before);
  }, 60_000);

  it('a truncated backup fails and leaves the database as it was, even with --force', async () => {
    const target = track(await migrated('truncated'));
    await target.withClient((client) =>
      client.query(
        `INSERT INTO users (email, display_name, updated_at) VALUES ('keep-me@example.com', 'K', now())`,
      ),
    );
    const untouched = await snapshot(target);
    const bytes = await fs.readFile(backupFile);
    const truncated = join(dir, 'truncated.dump');
    await fs.writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));

    await expect(serviceFor(target.url).restore({ input: truncated, force: true })).rejects.toThrow(
      /^pg_restore failed \(exit 1\), the database is unchanged: pg_restore: error: /,
    );
    expect(await snapshot(target)).toEqual(untouched);
  }, 60_000);

  it('says clearly when the file is missing or not a custom-format dump (exit 1, one line)', async () => {
    const target = track(await scratchDatabase('errors', { create: false }));
    const service = serviceFor(target.url);
    const cases: [string, string | Buffer, RegExp][] = [
      ['notes.txt', 'just some notes\n', /is not a PostgreSQL custom-format dump/],
      [
        'plain.sql',
        '--\n-- PostgreSQL database dump\n--\n',
        /is a plain SQL dump, not a custom-format one: restore it with psql/,
      ],
      ['zipped.dump.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), /is gzip-compressed: gunzip it first/],
    ];
    for (const [name, content, message] of cases) {
      await fs.writeFile(join(dir, name), content);
      await expect(service.restore({ input: join(dir, name) })).rejects.toThrow(message);
    }
    await expect(service.restore({ input: dir })).rejects.toThrow(/is a folder, not a backup file/);
    const terminal = Object.assign(Readable.from([]), { isTTY: true });
    await expect(service.restore({ input: '-', stdin: terminal })).rejects.toThrow(
      /^standard input is a terminal: pipe a backup into it/,
    );

    const missing = cli(['dbrestore', join(dir, 'no-such.dump')], { DATABASE_URL: target.url });
    expect(await missing.exited).toBe(1);
    expect(missing.lines).toEqual([`no such file: ${join(dir, 'no-such.dump')}`]);
  }, 60_000);

  it('backs up to standard output and restores from standard input', async () => {
    const chunks: Buffer[] = [];
    const out = new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk));
    const result = await serviceFor(source.url).backup({ output: '-', stdout: out });
    const dump = Buffer.concat(chunks);
    expect(result.file).toBeUndefined();
    expect(result.bytes).toBe(dump.length);
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');

    const target = track(await scratchDatabase('stdin', { create: false }));
    await serviceFor(target.url).restore({ input: '-', stdin: Readable.from([dump]) });
    // The source as it is now (the web app of the first test added its permissions at start-up).
    expect(await snapshot(target)).toEqual(await snapshot(source));
  }, 60_000);

  it('--keep N deletes only the older backups of this database it made', async () => {
    const folder = join(dir, 'retention');
    await fs.mkdir(folder);
    const old = [1, 2, 3].map((day) =>
      backupFileName(source.name, new Date(Date.UTC(2026, 0, day, 3, 0, 0))),
    );
    const others = [
      backupFileName('another_database', new Date(Date.UTC(2026, 0, 1))),
      `${source.name}-manual.dump`,
      'notes.txt',
    ];
    for (const file of [...old, ...others]) await fs.writeFile(join(folder, file), 'x');

    const result = await serviceFor(source.url, { BACKUP_DIR: folder }).backup({ keep: 2 });
    expect(result.removed.sort()).toEqual(old.slice(0, 2));
    expect((await fs.readdir(folder)).sort()).toEqual(
      [...others, old[2], join(result.file!).split('/').pop()].sort(),
    );
    expect(isBackupOf(source.name, `${source.name}-manual.dump`)).toBe(false);

    await expect(
      serviceFor(source.url).backup({ output: '-', keep: 2, stdout: new PassThrough() }),
    ).rejects.toThrow(BackupError);
  }, 60_000);

  it("compares pg_dump's major version with the server's (pg_dump refuses a newer server)", async () => {
    const server = await source.withClient(
      async (client) => (await client.query<{ v: string }>('SELECT version() AS v')).rows[0].v,
    );
    const config = loadConfig({ ...process.env, DATABASE_URL: source.url });
    expect(await serviceFor(source.url).serverMajor()).toBe(Number(/^PostgreSQL (\d+)/.exec(server)![1]));
    expect(await new PostgresClientTools(config).majorVersion('pg_dump')).toBeGreaterThanOrEqual(15);
    const missing = loadConfig({
      ...process.env,
      DATABASE_URL: source.url,
      PG_BIN_DIR: join(dir, 'nowhere'),
    });
    await expect(new PostgresClientTools(missing).majorVersion('pg_dump')).rejects.toThrow(
      /^pg_dump not found in PG_BIN_DIR \(.*nowhere\): install PostgreSQL's client programs/,
    );
  });

  it('never puts the password on a command line or in a message; a pgpass file carries it', async () => {
    const url = 'postgresql://app:s3cr%3At%5Cpw@127.0.0.1:1/event_planner?sslmode=disable';
    const connection = libpqConnection(url);
    expect(connection.env).toEqual({
      PGDATABASE: 'event_planner',
      PGHOST: '127.0.0.1',
      PGPORT: '1',
      PGUSER: 'app',
      PGSSLMODE: 'disable',
    });
    expect(connection.display).not.toContain('s3cr');
    const { env, cleanup } = await clientEnvironment(connection, { PATH: '/bin', PGPASSWORD: 'inherited' });
    expect(env.PGPASSWORD).toBeUndefined();
    const file = env.PGPASSFILE!;
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readFile(file, 'utf8')).toBe('*:*:*:*:s3cr\\:t\\\\pw\n');
    await cleanup();
    await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);

    // Nothing listens on port 1: the failure names the database without the password.
    const failure = serviceFor(url).backup({ output: dir });
    await expect(failure).rejects.toThrow(
      /^cannot reach postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/event_planner/,
    );
    await expect(failure).rejects.not.toThrow(/s3cr/);
  });
});
