import { hash } from '@node-rs/argon2';
import {
  browser,
  expectStatus,
  logIn,
  sql,
  STRONG_PASSWORD,
  uniqueEmail,
  type Agent,
} from '../accounts/support';
import type { NestExpressApplication } from '@nestjs/platform-express';

export interface TestUser {
  id: number;
  email: string;
}

let passwordHash: Promise<string> | undefined;

/** A verified user straight in the database, with flags and direct permissions (codenames). */
export async function createUser(
  options: {
    staff?: boolean;
    superuser?: boolean;
    active?: boolean;
    permissions?: string[];
    email?: string;
  } = {},
): Promise<TestUser> {
  passwordHash ??= hash(STRONG_PASSWORD);
  const email = options.email ?? uniqueEmail('admin');
  const [user] = await sql<{ id: number }>(
    `INSERT INTO users (email, display_name, password_hash, is_active, is_staff, is_superuser, email_verified_at, updated_at)
     VALUES ($1, 'Test', $2, $3, $4, $5, now(), now()) RETURNING id`,
    [email, await passwordHash, options.active ?? true, options.staff ?? false, options.superuser ?? false],
  );
  for (const codename of options.permissions ?? []) {
    await sql(
      `INSERT INTO auth_permissions (codename, name) VALUES ($1, $1) ON CONFLICT (codename) DO NOTHING`,
      [codename],
    );
    await sql(
      `INSERT INTO auth_user_permissions (user_id, permission_id) SELECT $1, id FROM auth_permissions WHERE codename = $2`,
      [user.id, codename],
    );
  }
  return { id: user.id, email };
}

/** A logged-in browser for a new user. */
export async function loggedIn(
  app: NestExpressApplication,
  options: Parameters<typeof createUser>[0] = {},
): Promise<{ agent: Agent; user: TestUser }> {
  const user = await createUser(options);
  const agent = browser(app);
  expectStatus(await logIn(agent, user.email), 303);
  return { agent, user };
}

export async function adminLog(model: string, objectId: string | number) {
  return sql<{
    action: string;
    changes: Record<string, unknown>;
    user_id: number | null;
    message: string;
    object_repr: string;
  }>(
    'SELECT action, changes, user_id, message, object_repr FROM admin_log WHERE model = $1 AND object_id = $2 ORDER BY id',
    [model, String(objectId)],
  );
}
