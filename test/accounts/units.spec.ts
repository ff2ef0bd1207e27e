import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { emailProblem, normalizeEmail } from '../../src/accounts/email';
import { PasswordService, similarity } from '../../src/accounts/passwords';
import { TokenPurge } from '../../src/accounts/token-purge';
import { loadConfig } from '../../src/config/app-config';
import { translateMessage } from '../../src/i18n/translator';
import { ConfigModule } from '../../src/config/config.module';
import { PrismaModule } from '../../src/prisma/prisma.module';
import { ScheduleRegistry } from '../../src/jobs/scheduler/schedule.registry';
import { sql, uniqueEmail } from './support';

// The validators' messages are catalogue keys: read in English here, as an English page shows them.
const english = (messages: string[]) => messages.map((text) => translateMessage(text, 'en'));
const problemOf = (value: string) => {
  const problem = emailProblem(value);
  return problem === undefined ? undefined : translateMessage(problem, 'en');
};

describe('password validators (Django-like)', () => {
  const passwords = new PasswordService();

  it('computes difflib-style similarity', () => {
    expect(similarity('abcd', 'bcde')).toBeCloseTo(0.75);
    expect(similarity('', '')).toBe(1);
    expect(similarity('abc', 'xyz')).toBe(0);
  });

  it('accepts a decent passphrase and explains every failure', () => {
    expect(passwords.validate('correct horse battery staple', { email: 'a@example.com' })).toEqual([]);
    expect(english(passwords.validate('1234567'))).toEqual([
      'This password is too short. It must contain at least 8 characters.',
      'This password is too common.',
      'This password is entirely numeric.',
    ]);
    expect(english(passwords.validate('jane.doe.example', { email: 'jane.doe@example.com' }))).toContain(
      'The password is too similar to the e-mail address.',
    );
    expect(english(passwords.validate('Qwerty123'))).toContain('This password is too common.');
  });

  it('ships a common-password list of at least 10,000 entries', () => {
    const common = (passwords as unknown as { commonPasswords(): Set<string> }).commonPasswords();
    expect(common.size).toBeGreaterThanOrEqual(10_000);
  });

  it('hashes with argon2id and verifies', async () => {
    const hashed = await passwords.hash('s3cret passphrase');
    expect(hashed).toMatch(/^\$argon2id\$/);
    expect(await passwords.verify(hashed, 's3cret passphrase')).toBe(true);
    expect(await passwords.verify(hashed, 'wrong')).toBe(false);
    expect(await passwords.verify('', 'anything')).toBe(false);
  });
});

describe('e-mail normalisation and look-alikes', () => {
  it('trims and lower-cases; refuses non-ASCII with the character named', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(problemOf('ada@example.com')).toBeUndefined();
    expect(problemOf('\u0430da@example.com')).toMatch(/"\u0430" \(U\+0430\)/);
    expect(problemOf('ada@exam\u200bple.com')).toMatch(/U\+200B/);
    expect(problemOf('ada@@example.com')).toMatch(/valid e-mail/);
  });
});

describe('scheduled purge of spent and expired e-mail tokens and trusted browsers', () => {
  let context: INestApplicationContext;

  beforeAll(async () => {
    const config = loadConfig(process.env);
    @Module({
      imports: [ConfigModule.forRoot(config), PrismaModule],
      providers: [ScheduleRegistry, TokenPurge],
    })
    class PurgeModule {}
    context = await NestFactory.createApplicationContext(PurgeModule, { logger: false });
  });
  afterAll(async () => {
    await context.close();
  });

  it('is registered with the scheduler and deletes only spent or expired tokens', async () => {
    expect(context.get(ScheduleRegistry).get('accounts.purge-expired-tokens')?.cron).toBe('15 3 * * *');
    const email = uniqueEmail('purge');
    const [user] = await sql<{ id: number }>(
      `INSERT INTO users (email, updated_at) VALUES ($1, now()) RETURNING id`,
      [email],
    );
    const insert = (hash: string, expires: string, used: string | null) =>
      sql(
        `INSERT INTO account_tokens (user_id, purpose, token_hash, expires_at, used_at)
         VALUES ($1, 'password_reset', $2, now() + $3::interval, ${used ? `now()` : 'NULL'})`,
        [user.id, hash.padEnd(64, '0'), expires],
      );
    await insert('a1', '1 hour', null);
    await insert('b2', '-1 minute', null);
    await insert('c3', '1 hour', 'used');
    await sql(
      `INSERT INTO mfa_trusted_browsers (user_id, token_hash, label, expires_at) VALUES
         ($1, $2, 'Chrome on Linux', now() + interval '1 day'), ($1, $3, 'Old', now() - interval '1 minute')`,
      [user.id, 'd4'.padEnd(64, '0'), 'e5'.padEnd(64, '0')],
    );
    await context.get(TokenPurge).purge();
    expect(await sql('SELECT label FROM mfa_trusted_browsers WHERE user_id = $1', [user.id])).toEqual([
      { label: 'Chrome on Linux' },
    ]);
    const left = await sql<{ token_hash: string }>(
      'SELECT token_hash FROM account_tokens WHERE user_id = $1',
      [user.id],
    );
    expect(left.map((row) => row.token_hash)).toEqual(['a1'.padEnd(64, '0')]);
  });
});
