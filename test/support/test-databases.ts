import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { Migrator, readMigrations } from '../../src/database/migrator';
import { MIGRATIONS_DIR } from '../../src/paths';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const nameOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

async function onServer<T>(url: string, work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({
    connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Makes `templateUrl` a database with every migration applied, reusing the one a previous run left
 * when the migrations have not changed since (their checksums are kept in the database's comment),
 * so a run does not pay for migrating from scratch. Nothing connects to it afterwards: PostgreSQL
 * clones only a database nobody is connected to.
 */
export async function prepareTemplate(templateUrl: string): Promise<void> {
  const name = nameOf(templateUrl);
  const migrations = await readMigrations(MIGRATIONS_DIR);
  const fingerprint = `migrations ${createHash('sha256')
    .update(migrations.map((migration) => `${migration.name} ${migration.checksum}`).join('\n'))
    .digest('hex')}`;
  const current = await onServer(templateUrl, async (admin) => {
    const { rows } = await admin.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    return rows[0]?.comment;
  });
  if (current === fingerprint) return;
  await onServer(templateUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quote(name)}`);
  });
  await new Migrator(templateUrl, MIGRATIONS_DIR).migrate();
  await onServer(templateUrl, (admin) =>
    admin.query(`COMMENT ON DATABASE ${quote(name)} IS '${fingerprint}'`),
  );
}

/**
 * `url`'s database, afresh: dropped (ending connections a previous test file's processes left)
 * and cloned from the template, so every test file starts from exactly the migrated state.
 */
export async function cloneFromTemplate(url: string, templateUrl: string): Promise<void> {
  await onServer(url, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${quote(nameOf(url))} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quote(nameOf(url))} TEMPLATE ${quote(nameOf(templateUrl))}`);
  });
}
