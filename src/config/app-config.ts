import 'dotenv/config';
import { readFileSync } from 'node:fs';
import { configSchema, SECRET_VARIABLES, type AppConfigValues } from './config.schema';

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
 * A secret variable may come from the file named by `<NAME>_FILE` instead. Throws ConfigError
 * whose message is one line per bad variable, naming the file when the value came from one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const candidate: Record<string, string> = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]),
  );
  const problems: string[] = [];
  const fromFile = new Map<string, string>();
  for (const name of SECRET_VARIABLES) {
    const file = candidate[`${name}_FILE`];
    delete candidate[`${name}_FILE`];
    if (!file) continue;
    if (candidate[name] !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set; set one of them`);
      continue;
    }
    const value = readSecretFile(file);
    if (value instanceof Error) problems.push(`${name}_FILE: cannot read ${file} (${value.message})`);
    else if (!value) problems.push(`${name}_FILE: ${file} is empty`);
    else {
      candidate[name] = value;
      fromFile.set(name, file);
    }
  }
  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'configuration');
      const file = fromFile.get(name);
      const secret =
        (SECRET_VARIABLES as readonly string[]).includes(name) || /SECRET|PASSWORD|TOKEN/.test(name);
      const shown = candidate[name] === undefined || secret ? '' : ` (got "${candidate[name]}")`;
      problems.push(`${name}${file ? ` (from ${name}_FILE ${file})` : ''} ${issue.message}${shown}`);
    }
  }
  if (problems.length || !parsed.success) {
    throw new ConfigError(problems.map((problem) => `Invalid configuration: ${problem}`).join('\n'));
  }
  const { DATABASE_PASSWORD, ...values } = parsed.data;
  if (DATABASE_PASSWORD !== undefined) {
    const url = new URL(values.DATABASE_URL);
    url.password = encodeURIComponent(DATABASE_PASSWORD);
    values.DATABASE_URL = url.toString();
  }
  return new AppConfig(values);
}

/** A secret file's content without the trailing newline editors and `echo` add. */
function readSecretFile(path: string): string | Error {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return new Error(code ?? message);
  }
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
