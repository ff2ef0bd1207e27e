import 'dotenv/config';
import { configSchema, type AppConfigValues } from './config.schema';

export class ConfigError extends Error {}

/**
 * The validated configuration, injected wherever settings are needed. A class (not a plain
 * object token) so providers can depend on it by type.
 */
export class AppConfig {
  readonly values: Readonly<AppConfigValues>;

  constructor(values: AppConfigValues) {
    this.values = Object.freeze({ ...values });
  }

  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }

  get isTest(): boolean {
    return this.values.NODE_ENV === 'test';
  }

  get isDevelopment(): boolean {
    return this.values.NODE_ENV === 'development';
  }

  /** APP_URL's host name: the domain of Message-IDs and calendar UIDs. */
  get appHostname(): string {
    return new URL(this.values.APP_URL).hostname || 'localhost';
  }

  /** APP_URL joined with a path (APP_URL may itself carry a path prefix). Absolute URLs pass through. */
  absoluteUrl(path: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path;
    return `${this.values.APP_URL.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  }
}

/**
 * Reads and validates the environment (plus `.env`, loaded by dotenv; real environment wins).
 * Throws ConfigError whose message is one line per bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const candidate = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const raw = env[name];
      const shown = raw === undefined || /SECRET|PASSWORD|TOKEN/.test(name) ? '' : ` (got "${raw}")`;
      return `Invalid configuration: ${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return new AppConfig(parsed.data);
}

/**
 * For entry points: load the configuration or exit with the problem on stderr, no stack trace.
 */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
