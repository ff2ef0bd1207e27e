import { Injectable } from '@nestjs/common';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { ensureDatabase, Migrator } from '../database/migrator';
import { MIGRATIONS_DIR } from '../paths';
import { clientEnvironment, libpqConnection, type LibpqConnection } from './pg-connection';
import { PostgresClientTools, type ProgramResult } from './postgres-client-tools';

/** A backup or restore that could not be done; the message is the one line the command prints. */
export class BackupError extends Error {}

export interface BackupOptions {
  /** A file, a folder (a timestamped file inside), or '-' for `stdout`. Default: BACKUP_DIR. */
  output?: string;
  /** Keep this many of the newest backups of this database in the folder; delete older ones. */
  keep?: number;
  /** pg_dump's --compress: 0-9, or method[:level] (gzip, lz4, zstd; PostgreSQL 16+). */
  compress?: string;
  /** Where '-' writes (standard output unless a test gives another stream). */
  stdout?: Writable;
}

export interface BackupResult {
  database: string;
  /** The file written, or undefined for standard output. */
  file?: string;
  bytes: number;
  milliseconds: number;
  /** Older backups deleted by --keep. */
  removed: string[];
}

export interface RestoreOptions {
  /** A custom-format dump, or '-' for `stdin`. */
  input: string;
  /** Empty the database first (every schema dropped), so it ends up exactly as the backup. */
  force?: boolean;
  /** Drop and recreate the objects the backup contains; others stay (pg_restore --clean). */
  clean?: boolean;
  stdin?: Readable;
}

export interface RestoreResult {
  database: string;
  /** The database did not exist and was created. */
  created: boolean;
  /** Tables the database had before (dropped with --force, or overwritten with --clean). */
  tablesBefore: number;
  /** Migrations applied after the restore (the backup predates them). */
  migrations: string[];
  milliseconds: number;
}

/** Every custom-format archive starts with these bytes (pg_backup_archiver.c). */
const CUSTOM_FORMAT_MAGIC = 'PGDMP';
const STAMP = /^\d{8}T\d{6}\.\d{3}Z$/;

/** `event_planner-20261201T132334.512Z.dump`: UTC, sorts by time, no characters a file system minds. */
export function backupFileName(database: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '');
  return `${safeName(database)}-${stamp}.dump`;
}

/** Whether `file` is a name backupFileName gives for `database` (what --keep may delete). */
export function isBackupOf(database: string, file: string): boolean {
  const prefix = `${safeName(database)}-`;
  if (!file.startsWith(prefix) || !file.endsWith('.dump')) return false;
  return STAMP.test(file.slice(prefix.length, -'.dump'.length));
}

function safeName(database: string): string {
  return database.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * dbbackup / dbrestore, like django-dbbackup: pg_dump's custom format (compressed, restorable
 * selectively, readable by any newer pg_restore), restored through psql in one transaction so a
 * failed restore changes nothing, then our migrations bring an older backup current.
 */
@Injectable()
export class BackupService {
  constructor(
    private readonly config: AppConfig,
    private readonly tools: PostgresClientTools,
  ) {}

  async backup(options: BackupOptions = {}): Promise<BackupResult> {
    const started = Date.now();
    const connection = libpqConnection(this.config.values.DATABASE_URL);
    const toStdout = options.output === '-';
    const target = toStdout ? undefined : await this.backupTarget(connection.database, options);
    if (options.keep !== undefined && !target?.folderMode) {
      throw new BackupError(
        '--keep needs a backup folder (BACKUP_DIR or --output <folder>), not a single file',
      );
    }
    if (options.compress !== undefined && !/^([0-9]|(gzip|lz4|zstd|none)(:\d+)?)$/.test(options.compress)) {
      throw new BackupError(
        `--compress must be a level 0-9 or method[:level] (gzip, lz4, zstd), got "${options.compress}"`,
      );
    }
    await this.checkDumpVersion(connection);

    const partial = target && join(dirname(target.file), `.${basename(target.file)}.partial`);
    const args = ['--format=custom', '--no-password'];
    if (options.compress !== undefined) args.push(`--compress=${options.compress}`);
    if (partial) args.push(`--file=${partial}`);
    const { env, cleanup } = await clientEnvironment(connection);
    let bytes = 0;
    let result: ProgramResult;
    try {
      const dump = this.tools.start('pg_dump', args, env, ['ignore', toStdout ? 'pipe' : 'ignore', 'pipe']);
      if (toStdout && dump.child.stdout) {
        const out = options.stdout ?? process.stdout;
        dump.child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
        dump.child.stdout.pipe(out, { end: out !== process.stdout });
      }
      result = await dump.done;
    } finally {
      await cleanup();
    }
    if (result.code !== 0) {
      if (partial) await rm(partial, { force: true });
      throw new BackupError(`pg_dump failed${exitOf(result)}: ${lastLines(result.stderr)}`);
    }
    if (!target || !partial)
      return { database: connection.database, bytes, milliseconds: Date.now() - started, removed: [] };

    await rename(partial, target.file);
    bytes = (await stat(target.file)).size;
    const removed =
      options.keep === undefined
        ? []
        : await this.prune(dirname(target.file), connection.database, options.keep);
    return {
      database: connection.database,
      file: target.file,
      bytes,
      milliseconds: Date.now() - started,
      removed,
    };
  }

  async restore(options: RestoreOptions): Promise<RestoreResult> {
    const started = Date.now();
    const url = this.config.values.DATABASE_URL;
    const connection = libpqConnection(url);
    const fromStdin = options.input === '-';
    const stdin = options.stdin ?? process.stdin;
    if (fromStdin && (stdin as { isTTY?: boolean }).isTTY) {
      throw new BackupError(
        'standard input is a terminal: pipe a backup into it (dbrestore - < backup.dump)',
      );
    }
    if (!fromStdin) await checkDumpFile(options.input);

    const created = await ensureDatabase(url).catch((error: Error) => {
      throw new BackupError(`cannot reach ${connection.display}: ${error.message}`);
    });
    const { tables, schemas } = await this.contents(url);
    if (tables.length && !options.force && !options.clean) {
      throw new BackupError(
        `database ${connection.database} is not empty (${tables.length} tables: ${preview(tables)}); ` +
          `nothing was restored. Pass --force to replace everything in it with the backup, or --clean ` +
          `to drop and recreate only the objects the backup contains.`,
      );
    }

    // One transaction around everything (the wipe, every object and row): psql commits only once
    // pg_restore has produced the whole archive, so a truncated or corrupt backup changes nothing.
    let prelude = 'SET client_min_messages = warning;\nBEGIN;\n';
    if (options.force) {
      for (const schema of schemas) prelude += `DROP SCHEMA ${quoteIdentifier(schema)} CASCADE;\n`;
      prelude += 'CREATE SCHEMA IF NOT EXISTS public;\n';
    }
    const restoreArgs = ['--no-owner', '--no-privileges', '--file=-'];
    if (options.clean) restoreArgs.push('--clean', '--if-exists');
    if (!fromStdin) restoreArgs.push(resolve(options.input));

    const { env, cleanup } = await clientEnvironment(connection);
    let restored: ProgramResult;
    let applied: ProgramResult;
    try {
      const psql = this.tools.start(
        'psql',
        ['--no-psqlrc', '--quiet', '--no-password', '--set=ON_ERROR_STOP=1'],
        env,
        ['pipe', 'ignore', 'pipe'],
      );
      const reader = this.tools.start('pg_restore', restoreArgs, env, [
        fromStdin ? 'pipe' : 'ignore',
        'pipe',
        'pipe',
      ]);
      const sink = psql.child.stdin as Writable;
      // psql stopping at an error closes its input; pg_restore then gets EPIPE and exits non-zero.
      sink.on('error', () => undefined);
      reader.child.stdin?.on('error', () => undefined);
      if (fromStdin) stdin.pipe(reader.child.stdin as Writable);
      sink.write(prelude);
      reader.child.stdout?.pipe(sink, { end: false });
      void psql.done.then(() => reader.child.kill());
      restored = await reader.done;
      // Without COMMIT, psql's end of input ends the session and PostgreSQL rolls everything back.
      sink.end(restored.code === 0 ? 'COMMIT;\n' : undefined);
      applied = await psql.done;
    } finally {
      await cleanup();
    }
    if (applied.code !== 0) {
      throw new BackupError(`restore failed, the database is unchanged: ${lastLines(applied.stderr)}`);
    }
    if (restored.code !== 0) {
      throw new BackupError(
        `pg_restore failed${exitOf(restored)}, the database is unchanged: ${lastLines(restored.stderr)}`,
      );
    }
    const migrations = await new Migrator(url, MIGRATIONS_DIR).migrate();
    return {
      database: connection.database,
      created,
      tablesBefore: tables.length,
      migrations,
      milliseconds: Date.now() - started,
    };
  }

  private async backupTarget(
    database: string,
    options: BackupOptions,
  ): Promise<{ file: string; folderMode: boolean }> {
    const name = backupFileName(database, new Date());
    if (options.output === undefined) {
      const folder = resolve(this.config.values.BACKUP_DIR);
      await mkdir(folder, { recursive: true });
      return { file: join(folder, name), folderMode: true };
    }
    const output = resolve(options.output);
    const found = await stat(output).catch(() => undefined);
    if (found?.isDirectory()) return { file: join(output, name), folderMode: true };
    if (found) throw new BackupError(`${options.output} already exists; not overwriting it`);
    const parent = await stat(dirname(output)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new BackupError(`no such folder: ${dirname(options.output)}`);
    return { file: output, folderMode: false };
  }

  /** Deletes all but the newest `keep` backups of `database` in `folder`; nothing else is touched. */
  private async prune(folder: string, database: string, keep: number): Promise<string[]> {
    const ours = (await readdir(folder))
      .filter((file) => isBackupOf(database, file))
      .sort()
      .reverse();
    const removed = ours.slice(keep);
    for (const file of removed) await rm(join(folder, file));
    return removed;
  }

  /**
   * pg_dump refuses a server newer than itself ("server version mismatch"); say which programs
   * to use instead of passing that on.
   */
  private async checkDumpVersion(connection: LibpqConnection): Promise<void> {
    const server = await this.serverMajor();
    const client = await this.tools.majorVersion('pg_dump').catch((error: Error) => {
      throw new BackupError(error.message);
    });
    if (client < server) {
      throw new BackupError(
        `pg_dump ${client} cannot back up PostgreSQL ${server} (${connection.database}): install ` +
          `postgresql-client-${server} and point PG_BIN_DIR at it, or run the backup service of ` +
          `docker-compose.prod.yml (built on the postgres image)`,
      );
    }
  }

  /** The server's major version (17 for 17.2). */
  async serverMajor(): Promise<number> {
    return this.withClient(this.config.values.DATABASE_URL, async (client) => {
      const { rows } = await client.query<{ version: string }>(
        `SELECT current_setting('server_version_num') AS version`,
      );
      const major = Math.floor(Number(rows[0]?.version) / 10_000);
      if (!Number.isInteger(major) || major < 1) throw new BackupError(`cannot read the server's version`);
      return major;
    });
  }

  /** The tables and schemas (other than PostgreSQL's own) the database holds. */
  private async contents(url: string): Promise<{ tables: string[]; schemas: string[] }> {
    return this.withClient(url, async (client) => {
      const system = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
      const tables = await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${system} ORDER BY c.relname`,
      );
      const schemas = await client.query<{ name: string }>(
        `SELECT n.nspname AS name FROM pg_namespace n WHERE ${system} ORDER BY n.nspname`,
      );
      return { tables: tables.rows.map((row) => row.name), schemas: schemas.rows.map((row) => row.name) };
    });
  }

  private async withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      throw new BackupError(`cannot reach ${libpqConnection(url).display}: ${(error as Error).message}`);
    }
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/** A clear error for what pg_restore would otherwise report as "input file does not appear to be a valid archive". */
async function checkDumpFile(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') throw new BackupError(`no such file: ${file}`);
    throw new BackupError(`cannot read ${file}: ${code ?? (error as Error).message}`);
  }
  try {
    if ((await handle.stat()).isDirectory()) throw new BackupError(`${file} is a folder, not a backup file`);
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const start = head.subarray(0, bytesRead);
    if (start.toString('latin1', 0, CUSTOM_FORMAT_MAGIC.length) === CUSTOM_FORMAT_MAGIC) return;
    if (start[0] === 0x1f && start[1] === 0x8b) {
      throw new BackupError(
        `${file} is gzip-compressed: gunzip it first (dbbackup's files are already compressed)`,
      );
    }
    if (/^(--|SET |\\)/.test(start.toString('utf8'))) {
      throw new BackupError(`${file} is a plain SQL dump, not a custom-format one: restore it with psql`);
    }
    throw new BackupError(
      `${file} is not a PostgreSQL custom-format dump (pg_dump --format=custom, what dbbackup writes)`,
    );
  } finally {
    await handle.close();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function preview(names: string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
}

function exitOf(result: ProgramResult): string {
  if (result.signal) return ` (${result.signal})`;
  return result.code === null ? '' : ` (exit ${result.code})`;
}

/** The end of a client's stderr as one line (the command prints one line per failure). */
function lastLines(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-3).join(' / ') || 'no message';
}
