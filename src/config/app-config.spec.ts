import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';
import { DEVELOPMENT_SESSION_SECRET, SECRET_VARIABLES } from './config.schema';

describe('loadConfig', () => {
  it('uses the development defaults from the SPEC when nothing is set', () => {
    const config = loadConfig({});
    expect(config.values).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      APP_URL: 'http://localhost:3000',
      DATABASE_URL: 'postgresql://postgres:postgres@localhost:5432/event_planner',
      REDIS_URL: 'redis://localhost:6379/0',
      SMTP_URL: 'smtp://localhost:1025',
      MAIL_FROM: 'Event Planner <no-reply@localhost>',
      LOG_LEVEL: 'info',
      SESSION_SECRET: DEVELOPMENT_SESSION_SECRET,
    });
  });

  it('names the variable and the problem in one line', () => {
    expect(() => loadConfig({ DATABASE_URL: 'nonsense' })).toThrow(ConfigError);
    try {
      loadConfig({ DATABASE_URL: 'nonsense' });
    } catch (error) {
      const lines = (error as Error).message.split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Invalid configuration: DATABASE_URL must be a PostgreSQL URL/);
    }
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://localhost'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['SESSION_SECRET', 'short'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('refuses the development session secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is the development default/);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }).isProduction).toBe(true);
  });

  it('keeps the drain delay within the shutdown grace period', () => {
    expect(() => loadConfig({ SHUTDOWN_DRAIN_DELAY_MS: '5000' })).toThrow(
      /^Invalid configuration: SHUTDOWN_DRAIN_DELAY_MS must be less than half of SHUTDOWN_TIMEOUT_MS/,
    );
    expect(loadConfig({ SHUTDOWN_DRAIN_DELAY_MS: '3000' }).values.SHUTDOWN_DRAIN_DELAY_MS).toBe(3_000);
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadConfig({ SESSION_SECRET: 'tooshort' })).toThrow(/^(?!.*tooshort)/s);
  });

  it('never echoes a URL that may carry a password', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://user:hunter2@mail' })).toThrow(/^(?!.*hunter2)/s);
  });

  describe('secrets from files (<NAME>_FILE)', () => {
    let dir: string;
    const secretFile = (name: string, content: string) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    };
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'config-secrets-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(SECRET_VARIABLES.filter((name) => name !== 'DATABASE_PASSWORD'))(
      '%s_FILE supplies the value (without the trailing newline)',
      (name) => {
        const value = {
          SESSION_SECRET: 's'.repeat(48),
          DATABASE_URL: 'postgresql://app:pw@db:5432/event_planner',
          REDIS_URL: 'redis://:pw@redis:6379/0',
          SMTP_URL: 'smtp://user:pw@smtp.example.com:587',
          METRICS_TOKEN: 't'.repeat(32),
        }[name];
        const config = loadConfig({ [`${name}_FILE`]: secretFile(name, `${value}\n`) });
        expect(config.values[name]).toBe(value);
      },
    );

    it('DATABASE_PASSWORD_FILE sets the password of DATABASE_URL (the postgres image reads the same file)', () => {
      const config = loadConfig({
        DATABASE_URL: 'postgresql://postgres@db:5432/event_planner',
        DATABASE_PASSWORD_FILE: secretFile('pg', 'p@ss/word:%\n'),
      });
      expect(new URL(config.values.DATABASE_URL).password).toBe(encodeURIComponent('p@ss/word:%'));
      expect(decodeURIComponent(new URL(config.values.DATABASE_URL).password)).toBe('p@ss/word:%');
    });

    it('names the file that cannot be read, is empty, or holds a bad value; never shows the value', () => {
      const missing = join(dir, 'missing');
      expect(() => loadConfig({ SESSION_SECRET_FILE: missing })).toThrow(
        `Invalid configuration: SESSION_SECRET_FILE: cannot read ${missing} (ENOENT)`,
      );
      const empty = secretFile('empty', '\n');
      expect(() => loadConfig({ METRICS_TOKEN_FILE: empty })).toThrow(
        `Invalid configuration: METRICS_TOKEN_FILE: ${empty} is empty`,
      );
      const bad = secretFile('smtp', 'http://user:hunter2@mail\n');
      expect(() => loadConfig({ SMTP_URL_FILE: bad })).toThrow(
        new RegExp(
          `^Invalid configuration: SMTP_URL \\(from SMTP_URL_FILE ${bad}\\) must be a SMTP URL[^\n]*$`,
        ),
      );
      expect(() => loadConfig({ SMTP_URL_FILE: bad })).toThrow(/^(?!.*hunter2)/s);
    });

    it('refuses a variable set both directly and from a file', () => {
      expect(() =>
        loadConfig({
          SESSION_SECRET: 's'.repeat(40),
          SESSION_SECRET_FILE: secretFile('both', 'x'.repeat(40)),
        }),
      ).toThrow(
        'Invalid configuration: SESSION_SECRET and SESSION_SECRET_FILE are both set; set one of them',
      );
    });
  });
});
