import { ConfigError, loadConfig } from './app-config';
import { DEVELOPMENT_SESSION_SECRET } from './config.schema';

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
});
