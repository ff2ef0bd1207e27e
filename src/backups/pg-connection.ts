import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * How pg_dump, pg_restore and psql reach the database named by DATABASE_URL without the password
 * ever appearing on a command line (where `ps` shows it to every user of the host) or in a log:
 * the connection goes in libpq's PG* variables, the password in a private pgpass file
 * (PGPASSFILE, mode 0600, deleted afterwards). Not PGPASSWORD: a process's environment is
 * readable through /proc by its user, and libpq's documentation advises against it.
 */
export interface LibpqConnection {
  /** The database name (what `--dbname` gets: a bare name, never a connection string). */
  database: string;
  /** PG* variables for the child process (PGPASSWORD and PGPASSFILE are never inherited). */
  env: Record<string, string>;
  /** The DATABASE_URL with its password masked, for messages. */
  display: string;
  password?: string;
}

// URL query parameters libpq understands, and the variable each becomes.
const QUERY_VARIABLES: Record<string, string> = {
  host: 'PGHOST',
  port: 'PGPORT',
  sslmode: 'PGSSLMODE',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslrootcert: 'PGSSLROOTCERT',
  sslcrl: 'PGSSLCRL',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  application_name: 'PGAPPNAME',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
  options: 'PGOPTIONS',
};

export function libpqConnection(databaseUrl: string): LibpqConnection {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error('DATABASE_URL names no database');
  const env: Record<string, string> = { PGDATABASE: database };
  // IPv6 literals come bracketed in URLs; libpq wants them bare.
  if (url.hostname) env.PGHOST = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.port) env.PGPORT = url.port;
  if (url.username) env.PGUSER = decodeURIComponent(url.username);
  for (const [name, value] of url.searchParams) {
    const variable = QUERY_VARIABLES[name];
    if (variable) env[variable] = value;
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const masked = new URL(url);
  if (password) masked.password = '***';
  const display = masked.toString();
  return { database, env, display, password };
}

/** One pgpass line matching any host, port, database and user (`:` and `\` escaped). */
export function pgpassLine(password: string): string {
  return `*:*:*:*:${password.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`;
}

// Variables that would point a client somewhere other than DATABASE_URL, or at another password.
// Others (PGSSLROOTCERT, PGTZ, ...) pass through: they tune the connection DATABASE_URL names.
const OVERRIDDEN = [
  'PGHOST',
  'PGHOSTADDR',
  'PGPORT',
  'PGDATABASE',
  'PGUSER',
  'PGPASSWORD',
  'PGPASSFILE',
  'PGSERVICE',
  'PGSERVICEFILE',
];

/**
 * The environment for a PostgreSQL client program: this process's own (PATH, HOME, locale) with
 * the connection's variables on top, and a pgpass file written for the password. `cleanup`
 * deletes that file.
 */
export async function clientEnvironment(
  connection: LibpqConnection,
  base: NodeJS.ProcessEnv = process.env,
): Promise<{ env: NodeJS.ProcessEnv; cleanup: () => Promise<void> }> {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of OVERRIDDEN) delete env[name];
  Object.assign(env, connection.env);
  if (!connection.password) return { env, cleanup: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'ep-pgpass-'));
  const file = join(dir, 'pgpass');
  // libpq ignores a pgpass file that others can read; create it private from the start.
  await writeFile(file, pgpassLine(connection.password), { mode: 0o600 });
  await chmod(file, 0o600);
  env.PGPASSFILE = file;
  return { env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
