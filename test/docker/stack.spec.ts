import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/app-config';
import { configSchema, SECRET_VARIABLES } from '../../src/config/config.schema';
import { loadCompose } from '../support/compose';
import { PROJECT_ROOT } from '../support/processes';

interface StackService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string; retries?: number };
  secrets?: Array<{ source: string; target?: string }>;
  depends_on?: unknown;
  stop_grace_period?: string;
  deploy?: {
    mode?: string;
    replicas?: number;
    update_config?: { order?: string; parallelism?: number; failure_action?: string };
  };
}
interface Stack {
  services: Record<string, StackService>;
  secrets: Record<string, { external?: boolean; name?: string; file?: string }>;
}

/** What a deployment sets (docs/docker.md, "Running on a swarm"), with characters that trip interpolation. */
const DEPLOYMENT = {
  APP_IMAGE: 'registry.example.com/event-planner:1.4.2',
  APP_URL: 'https://events.example.com',
  MAIL_FROM: 'Event Planner (events) <events@example.com>',
  SITE_ADDRESS: 'events.example.com',
  LOG_LEVEL: 'warn',
  APP_REPLICAS: '3',
};

function stackConfig(file: string, env: Record<string, string>) {
  // Swarm's own loader, client side: no engine or swarm needed.
  return spawnSync('docker', ['stack', 'config', '-c', file], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
  });
}

const seconds = (duration: string) => {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
};

const noDocker = spawnSync('docker', ['--version']).status !== 0;
if (noDocker) process.stderr.write('Skipping the stack file tests: the docker CLI is not installed.\n');

(noDocker ? describe.skip : describe)('docker-stack.yml, as Swarm loads it (docker stack config)', () => {
  const rendered = stackConfig('docker-stack.yml', DEPLOYMENT);
  const stack = (rendered.status === 0 ? parse(rendered.stdout) : { services: {}, secrets: {} }) as Stack;
  const compose = loadCompose('docker-compose.prod.yml');
  const APP_SERVICES = ['migrate', 'app', 'worker'];

  it('loads without an error or a warning', () => {
    expect({ status: rendered.status, stderr: rendered.stderr }).toEqual({ status: 0, stderr: '' });
    expect(Object.keys(stack.services).sort()).toEqual(['app', 'db', 'migrate', 'proxy', 'redis', 'worker']);
  });

  it('has the values the deployment gave, not mangled by interpolation', () => {
    for (const name of APP_SERVICES) {
      expect(stack.services[name].environment).toMatchObject({
        APP_URL: DEPLOYMENT.APP_URL,
        MAIL_FROM: DEPLOYMENT.MAIL_FROM,
        LOG_LEVEL: DEPLOYMENT.LOG_LEVEL,
      });
    }
    expect(stack.services.proxy.environment?.SITE_ADDRESS).toBe(DEPLOYMENT.SITE_ADDRESS);
    expect(stack.services.app.deploy?.replicas).toBe(3);
  });

  it('names an image for every service (a swarm builds nothing) and has no depends_on', () => {
    for (const [name, service] of Object.entries(stack.services)) {
      expect({ name, image: service.image, build: service.build, depends_on: service.depends_on }).toEqual({
        name,
        image: APP_SERVICES.includes(name) ? DEPLOYMENT.APP_IMAGE : compose.services[name].image,
        build: undefined,
        depends_on: undefined,
      });
    }
  });

  it('runs the same commands and health checks as docker-compose.prod.yml', () => {
    for (const name of ['migrate', 'app', 'worker', 'db', 'redis']) {
      const { command, healthcheck } = stack.services[name];
      const ours = compose.services[name];
      expect({ name, command, healthcheck: healthcheck?.test ?? healthcheck }).toEqual({
        name,
        command: ours.command,
        healthcheck: ours.healthcheck?.test ?? ours.healthcheck,
      });
    }
  });

  it('migrates once per deploy in a job, not before the app (no start order in a swarm)', () => {
    expect(stack.services.migrate.deploy?.mode).toBe('replicated-job');
  });

  it('takes every secret from a Docker secret file, none from the environment', () => {
    for (const name of APP_SERVICES) {
      const environment = stack.services[name].environment ?? {};
      const mounted = new Set(
        (stack.services[name].secrets ?? []).map((secret) => secret.target ?? secret.source),
      );
      for (const variable of SECRET_VARIABLES) {
        // Service addresses may be plain values when they hold no password (DATABASE_PASSWORD_FILE
        // fills in the database's).
        if (['DATABASE_URL', 'REDIS_URL'].includes(variable) && environment[variable]) {
          expect({ variable, password: new URL(environment[variable]).password }).toEqual({
            variable,
            password: '',
          });
        } else expect({ variable, value: environment[variable] }).toEqual({ variable, value: undefined });
        const file = environment[`${variable}_FILE`];
        if (file) expect(mounted).toContain(file.replace(/^\/run\/secrets\//, ''));
      }
      for (const variable of ['SESSION_SECRET', 'DATABASE_PASSWORD', 'SMTP_URL', 'METRICS_TOKEN']) {
        expect(environment[`${variable}_FILE`]).toMatch(/^\/run\/secrets\/\w+$/);
      }
    }
    expect(stack.services.db.environment?.POSTGRES_PASSWORD_FILE).toBe(
      stack.services.app.environment?.DATABASE_PASSWORD_FILE,
    );
    for (const secret of Object.values(stack.secrets)) expect(secret).toMatchObject({ external: true });
  });

  it('the environment plus the secret files is a valid production configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-secrets-'));
    try {
      const content: Record<string, string> = {
        session_secret: 'a'.repeat(48),
        postgres_password: 'pg pass/with:odd@chars',
        smtp_url: 'smtp://user:password@smtp.example.com:587',
        metrics_token: 'm'.repeat(32),
      };
      for (const [name, value] of Object.entries(content)) writeFileSync(join(dir, name), `${value}\n`);
      const environment = Object.fromEntries(
        Object.entries(stack.services.app.environment ?? {}).map(([key, value]) => [
          key,
          value.replace(/^\/run\/secrets\//, `${dir}/`),
        ]),
      );
      const config = loadConfig(environment).values;
      expect(config.SESSION_SECRET).toBe(content.session_secret);
      expect(decodeURIComponent(new URL(config.DATABASE_URL).password)).toBe(content.postgres_password);
      expect(config.SMTP_URL).toBe(content.smtp_url);
      expect(config.NODE_ENV).toBe('production');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls updates one replica at a time, new before old, with a stop grace longer than the drain', () => {
    const drainSeconds = configSchema.shape.SHUTDOWN_TIMEOUT_MS.parse(undefined) / 1000;
    for (const name of ['app', 'worker']) {
      const { deploy, stop_grace_period } = stack.services[name];
      expect(deploy?.update_config).toMatchObject({ order: 'start-first', parallelism: 1 });
      expect(seconds(stop_grace_period ?? '0s')).toBeGreaterThan(drainSeconds);
    }
    // The update waits for each new task's health check: readiness until it has once passed.
    expect(stack.services.app.healthcheck?.test).toEqual(['CMD', 'node', 'dist/healthcheck.js']);
  });

  it('fails, naming the variable, when a deployment leaves a required one out', () => {
    const { APP_IMAGE: _left, ...rest } = DEPLOYMENT;
    const result = stackConfig('docker-stack.yml', rest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('required variable APP_IMAGE is missing a value');
  });

  it('docker-compose.prod.yml is not one: Swarm refuses it (why the stack file exists)', () => {
    const result = stackConfig('docker-compose.prod.yml', {
      ...DEPLOYMENT,
      POSTGRES_PASSWORD: 'x',
      SMTP_URL: 'smtp://mail:25',
      SESSION_SECRET: 'x'.repeat(40),
    });
    expect(result.status).not.toBe(0);
  });
});
