import { startProcess } from '../support/processes';
import { sql, uniqueEmail } from './support';

function cli(args: string[], env: Record<string, string> = {}) {
  return startProcess('src/cli.ts', args, env);
}

describe('npm run cli -- createsuperuser', () => {
  it('creates a verified, active staff superuser; a second run with the same address fails clearly', async () => {
    const email = uniqueEmail('admin');
    const first = cli([
      'createsuperuser',
      '--no-input',
      '--email',
      email.toUpperCase(),
      '--password',
      'an admin passphrase 1',
      '--name',
      'Admin',
    ]);
    expect(await first.exited).toBe(0);
    expect(first.lines.join('\n')).toContain(`Superuser created: ${email}`);
    const [user] = await sql<Record<string, unknown>>(
      'SELECT email, display_name, is_staff, is_superuser, is_active, email_verified_at, password_hash FROM users WHERE email = $1',
      [email],
    );
    expect(user).toMatchObject({
      email,
      display_name: 'Admin',
      is_staff: true,
      is_superuser: true,
      is_active: true,
    });
    expect(user.email_verified_at).not.toBeNull();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);

    const second = cli([
      'createsuperuser',
      '--no-input',
      '--email',
      email,
      '--password',
      'another passphrase 2',
    ]);
    expect(await second.exited).toBe(1);
    expect(second.lines.join('\n')).toContain(`A user with the e-mail address ${email} already exists.`);
    const [count] = await sql<{ count: string }>('SELECT count(*) FROM users WHERE email = $1', [email]);
    expect(count.count).toBe('1');
  });

  it('reads SUPERUSER_* variables, validates the password, and says what is missing', async () => {
    const email = uniqueEmail('env-admin');
    const weak = cli(['createsuperuser', '--no-input'], {
      SUPERUSER_EMAIL: email,
      SUPERUSER_PASSWORD: 'password',
    });
    expect(await weak.exited).toBe(1);
    expect(weak.lines.join('\n')).toContain('This password is too common.');

    const missing = cli(['createsuperuser', '--no-input', '--email', email]);
    expect(await missing.exited).toBe(1);
    expect(missing.lines.join('\n')).toContain('missing --password (or SUPERUSER_PASSWORD)');

    const ok = cli(['createsuperuser', '--no-input'], {
      SUPERUSER_EMAIL: email,
      SUPERUSER_PASSWORD: 'a sturdy passphrase 3',
    });
    expect(await ok.exited).toBe(0);
    const [user] = await sql<{ is_superuser: boolean }>('SELECT is_superuser FROM users WHERE email = $1', [
      email,
    ]);
    expect(user.is_superuser).toBe(true);
  });
});
