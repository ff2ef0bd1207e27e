import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { DEVELOPMENT_SESSION_SECRET, type AppConfigValues } from '../config/config.schema';
import { debugToolbarEnabled } from '../debug-toolbar/debug-toolbar.config';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

function isLocal(url: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The configuration as the app would see it, even when production's own validation refuses it
 * (`check --deploy` must list every problem, not stop at the first): refusals that only apply in
 * production are skipped by validating as development, then NODE_ENV is put back. Returns
 * undefined when the values are invalid in any environment (the strict errors say why).
 */
export function relaxedConfig(env: NodeJS.ProcessEnv): AppConfig | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  try {
    const config = loadConfig({ ...env, NODE_ENV: 'development' });
    const nodeEnv = env.NODE_ENV as AppConfigValues['NODE_ENV'] | undefined;
    if (nodeEnv && !['development', 'production', 'test'].includes(nodeEnv)) return undefined;
    return new AppConfig({ ...config.values, NODE_ENV: nodeEnv ?? 'development' });
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

/**
 * What makes a configuration unsafe to deploy, one line per problem (like Django's
 * `check --deploy`). `env` is the environment the deployed processes would get.
 */
export function deployProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.message.split('\n'));
  }
  const config = relaxedConfig(env);
  if (!config) return problems;
  const values = config.values;
  const add = (variable: string, message: string) => {
    // The strict validation may already have named this variable.
    if (!problems.some((line) => line.includes(`${variable} `))) problems.push(`${variable} ${message}`);
  };
  const unset = (variable: string) => env[variable] === undefined || env[variable] === '';

  if (values.SESSION_SECRET === DEVELOPMENT_SESSION_SECRET) {
    add(
      'SESSION_SECRET',
      'is the development default: set a long random value (e.g. openssl rand -base64 48)',
    );
  }
  if (!config.isProduction) {
    add(
      'NODE_ENV',
      `is "${values.NODE_ENV}", not "production": session cookies are not marked Secure, ` +
        'error pages show stack traces, templates are not cached',
    );
  }
  if (debugToolbarEnabled(config)) {
    add(
      'DEBUG_TOOLBAR',
      'is on: every page would show its SQL and the session user; set NODE_ENV=production',
    );
  } else if (config.isProduction && values.DEBUG_TOOLBAR) {
    add('DEBUG_TOOLBAR', 'is true: production never serves the toolbar, remove the setting');
  }
  if (new URL(values.APP_URL).protocol !== 'https:') {
    add('APP_URL', `is not https (${values.APP_URL}): links in e-mails and the Secure cookie need https`);
  }
  if (unset('SMTP_URL')) {
    add('SMTP_URL', `is not set: e-mail would go to the development default ${values.SMTP_URL}`);
  } else if (isLocal(values.SMTP_URL)) {
    add('SMTP_URL', `points at this host (${new URL(values.SMTP_URL).host}): e-mail would not leave it`);
  }
  if (values.MAIL_FROM.includes('@localhost')) {
    add('MAIL_FROM', `is "${values.MAIL_FROM}": use an address of your domain`);
  }
  if (values.LOG_LEVEL === 'debug' || values.LOG_LEVEL === 'trace') {
    add('LOG_LEVEL', `is ${values.LOG_LEVEL}: logs would carry request details and slow the app; use info`);
  }
  if (values.METRICS_PUBLIC && !values.METRICS_TOKEN) {
    add(
      'METRICS_PUBLIC',
      'is true without METRICS_TOKEN: /metrics (route patterns, queue sizes, process figures) answers ' +
        'anyone who reaches the app; set METRICS_TOKEN for Prometheus instead',
    );
  }
  for (const variable of ['DATABASE_URL', 'REDIS_URL']) {
    if (unset(variable)) add(variable, 'is not set: the development default (localhost) would be used');
  }
  return problems;
}
