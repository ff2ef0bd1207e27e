import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TEST_ENV } from './test-env';

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Runs `work` on a fresh connection to the scratch database. */
  withClient<T>(work: (client: Client) => Promise<T>): Promise<T>;
  /** Drops the database, ending any connections still open to it. */
  drop(): Promise<void>;
}

/**
 * A uniquely named database next to the test database, for tests that need an empty one (the
 * migrator, the drift checker). Named after the test database so parallel runs never collide.
 * Not created here: pass `{ create: false }` to get only the name and URL of a missing database.
 */
export async function scratchDatabase(
  label: string,
  { create = true }: { create?: boolean } = {},
): Promise<ScratchDatabase> {
  const base = new URL(TEST_ENV.DATABASE_URL);
  const name = `${base.pathname.slice(1)}_${label}_${randomBytes(4).toString('hex')}`.slice(0, 63);
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const admin = (): Client =>
    new Client({ connectionString: Object.assign(new URL(base), { pathname: '/postgres' }).toString() });

  const onAdmin = async (sql: string): Promise<void> => {
    const client = admin();
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  if (create) await onAdmin(`CREATE DATABASE "${name}"`);

  return {
    name,
    url,
    async withClient(work) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    },
    drop: () => onAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
