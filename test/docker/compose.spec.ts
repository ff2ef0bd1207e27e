import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Ajv from 'ajv';
import request from 'supertest';
import { loadConfig } from '../../src/config/app-config';
import { configSchema } from '../../src/config/config.schema';
import { loadCompose, serviceEnvironment, type ComposeFile } from '../support/compose';
import { PROJECT_ROOT } from '../support/processes';
import { startWebApp } from '../support/web-app';

type Command = string[];

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');
const FILES = ['docker-compose.yml', 'docker-compose.prod.yml'];

/** The Compose specification's JSON schema, as shipped (kept current) by the dclint package. */
function composeValidator() {
  const schema = JSON.parse(read('node_modules/dclint/schemas/compose.schema.json')) as Record<
    string,
    unknown
  >;
  // It names draft-07 by an https URL Ajv does not know; the schema itself is plain draft-07.
  delete schema.$schema;
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
}

const APP_DOCKERFILES = new Set(['Dockerfile', 'Dockerfile.prod']);
/**
 * The services that build the project's image (one per file: the Dockerfile's default, last stage),
 * and those that run it. The production `backup` service builds another stage, its own image.
 */
const builders = (compose: ComposeFile) =>
  Object.entries(compose.services).filter(
    ([, service]) => APP_DOCKERFILES.has(service.build?.dockerfile ?? '') && !service.build?.target,
  );
const appServices = (compose: ComposeFile) => {
  const images = new Set(builders(compose).map(([, service]) => service.image));
  return Object.entries(compose.services).filter(([, service]) => images.has(service.image));
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const CLI_COMMANDS = new Set(
  sourceFiles(join(PROJECT_ROOT, 'src'))
    .filter((file) => !file.includes(`${join('src', 'generated')}`))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/@Command\(\{\s*name: '([\w:-]+)'/g)].map((m) => m[1]),
    ),
);
const SCRIPTS = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const DEV_SCRIPT = read('scripts/dev.js');
const CONFIG_VARIABLES = new Set(Object.keys(configSchema.shape));

/** Why a service's command would not run, or undefined. */
function commandProblem(command: Command): string | undefined {
  const [program, ...args] = command;
  if (program === 'npm') {
    if (args[0] !== 'run' || !SCRIPTS[args[1]]) return `no npm script "${args[1]}"`;
    return undefined;
  }
  if (program === 'node' && args[0] === 'scripts/dev.js') {
    // `npm run dev` without npm (docker-compose.yml says why): the same script, its options.
    if (!SCRIPTS.dev.includes('scripts/dev.js')) return 'npm run dev no longer runs scripts/dev.js';
    const declared = (option: string) => new RegExp(`(^|\\s|')${option}'?: \\{ type:`, 'm').test(DEV_SCRIPT);
    const unknown = args.filter((arg) => arg.startsWith('--') && !declared(arg.slice(2)));
    return unknown.length ? `scripts/dev.js has no option ${unknown.join(', ')}` : undefined;
  }
  if (program === 'node') {
    const match = /^dist\/([\w/-]+)\.js$/.exec(args[0]);
    if (!match || !existsSync(join(PROJECT_ROOT, 'src', `${match[1]}.ts`))) return `no source for ${args[0]}`;
    if (match[1] === 'cli' && !CLI_COMMANDS.has(args[1])) return `no CLI command "${args[1]}"`;
    return undefined;
  }
  return `unexpected program ${program}`;
}

/** HTTP paths a health check, probe or proxy asks the app for. */
function probedPaths(text: string): string[] {
  return [...text.matchAll(/(\/health\/[\w-]+)/g)].map((match) => match[1]);
}

describe('compose files', () => {
  const validate = composeValidator();
  const probed = new Set<string>();

  describe.each(FILES)('%s', (file) => {
    const compose = loadCompose(file);

    it('validates against the Compose specification schema', () => {
      expect(validate(compose) ? [] : validate.errors).toEqual([]);
    });

    it('the schema check is not vacuous', () => {
      const broken = structuredClone(compose);
      (broken.services.app as Record<string, unknown>).depends_on = { db: { condition: 'when-ready' } };
      expect(validate(broken)).toBe(false);
    });

    it('builds the app image once: one service builds it, every other app service waits for that one', () => {
      const [builder, ...more] = builders(compose);
      expect(more.map(([name]) => name)).toEqual([]);
      const [name, service] = builder;
      expect(service.image).toMatch(/^\$\{\w+_IMAGE:-event-planner:(dev|prod)\}$/);
      const waitsFor = (dependent: string, target: string): boolean =>
        Object.keys(compose.services[dependent].depends_on ?? {}).some(
          (dependency) => dependency === target || waitsFor(dependency, target),
        );
      const others = appServices(compose).filter(([other]) => other !== name);
      expect(others.length).toBeGreaterThan(0);
      expect(others.filter(([other]) => !waitsFor(other, name))).toEqual([]);
    });

    it('depends only on services it defines, with conditions', () => {
      for (const service of Object.values(compose.services)) {
        for (const [name, dependency] of Object.entries(service.depends_on ?? {})) {
          expect(Object.keys(compose.services)).toContain(name);
          expect(dependency.condition).toMatch(/^service_(healthy|started|completed_successfully)$/);
        }
      }
    });

    it.each(appServices(compose).map(([name]) => name))('%s: its command exists in the app', (name) => {
      const service = compose.services[name];
      expect(service.command).toBeDefined();
      expect(commandProblem(service.command!)).toBeUndefined();
    });

    it.each(appServices(compose).map(([name]) => name))(
      '%s: every variable is in the config schema, and the values are valid configuration',
      (name) => {
        const environment = compose.services[name].environment ?? {};
        expect(Object.keys(environment).filter((variable) => !CONFIG_VARIABLES.has(variable))).toEqual([]);
        expect(() => loadConfig(serviceEnvironment(compose.services[name]))).not.toThrow();
      },
    );

    it.each(appServices(compose).map(([name]) => name))(
      '%s: published ports are the ones it listens on',
      (name) => {
        const service = compose.services[name];
        const environment = serviceEnvironment(service);
        const listening = new Set([String(loadConfig(environment).values.PORT)]);
        const command = (service.command ?? []).join(' ');
        if (command.includes('scripts/dev.js')) {
          // scripts/dev.js defaults (web 9229, worker 9230) unless the command overrides them.
          const only = /--only (\w+)/.exec(command)?.[1];
          if (only !== 'worker') listening.add(/--web-inspect-port (\d+)/.exec(command)?.[1] ?? '9229');
          if (only !== 'web') listening.add(/--worker-inspect-port (\d+)/.exec(command)?.[1] ?? '9230');
          if (only === 'worker') listening.delete(String(loadConfig(environment).values.PORT));
        }
        const targets = [...(service.ports ?? []), ...(service.expose ?? [])].map((port) =>
          String(port).split(':').pop(),
        );
        for (const target of targets) expect(listening).toContain(target);
        if (command.includes('--inspect-host')) expect(command).toContain('--inspect-host 0.0.0.0');
      },
    );

    it('health checks probe paths and files that exist', () => {
      for (const service of Object.values(compose.services)) {
        const test = (service.healthcheck?.test ?? []).join(' ');
        if (test.includes('dist/healthcheck.js')) {
          expect(existsSync(join(PROJECT_ROOT, 'src', 'healthcheck.ts'))).toBe(true);
          probedPaths(read('src/healthcheck.ts')).forEach((path) => probed.add(path));
        }
        probedPaths(test).forEach((path) => probed.add(path));
      }
    });
  });

  describe('development (docker-compose.yml)', () => {
    const { services, volumes } = loadCompose('docker-compose.yml');

    it('runs app and worker from the dev image with the source mounted, hot reload and an inspector', () => {
      expect(services.app.build?.dockerfile).toBe('Dockerfile');
      for (const name of ['app', 'worker']) {
        const service = services[name];
        expect(service.image).toBe(services.app.image);
        expect(service.volumes).toEqual(expect.arrayContaining(['.:/app', 'node_modules:/app/node_modules']));
        expect(service.command?.slice(0, 2)).toEqual(['node', 'scripts/dev.js']);
        expect(service.stdin_open && service.tty).toBe(true);
        expect(service.init).toBe(true);
      }
      expect(services.app.ports).toEqual(expect.arrayContaining([expect.stringMatching(/:9229$/)]));
      expect(services.worker.ports).toEqual(expect.arrayContaining([expect.stringMatching(/:9230$/)]));
      expect(services.app.command).not.toContain('--no-migrate');
    });

    it('has PostgreSQL with a named volume and pg_isready, Redis with a health check, Mailpit', () => {
      expect(services.db.healthcheck?.test?.join(' ')).toContain('pg_isready');
      expect(services.db.volumes?.[0]).toMatch(/^pgdata:\/var\/lib\/postgresql\/data$/);
      expect(volumes).toHaveProperty('pgdata');
      expect(services.redis.healthcheck?.test?.join(' ')).toContain('redis-cli ping');
      expect(services.mailpit.ports?.join(' ')).toMatch(/:1025\b.*:8025\b/);
      expect(services.app.environment?.SMTP_URL).toBe('smtp://mailpit:1025');
      expect(services.app.depends_on).toMatchObject({
        db: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
    });
  });

  describe('production (docker-compose.prod.yml)', () => {
    const { services, volumes } = loadCompose('docker-compose.prod.yml');

    it('migrates once, before app and worker start', () => {
      expect(services.migrate.command).toEqual(['node', 'dist/cli.js', 'migrate']);
      expect(services.migrate.restart).toBe('no');
      for (const name of ['app', 'worker']) {
        expect(services[name].depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
      }
    });

    it('runs the production image with restart policies, replicas, and no source mounts', () => {
      expect(services.migrate.build?.dockerfile).toBe('Dockerfile.prod');
      for (const [name, service] of appServices({ services })) {
        expect(service.image).toBe(services.migrate.image);
        expect((service.volumes ?? []).filter((volume) => volume.startsWith('.'))).toEqual([]);
        if (['app', 'worker'].includes(name)) {
          expect(service.restart).toBe('unless-stopped');
          expect(service.deploy?.replicas).toBeGreaterThanOrEqual(2);
        }
      }
      for (const name of ['db', 'redis', 'proxy']) expect(services[name].restart).toBe('unless-stopped');
    });

    it('takes secrets only from the environment', () => {
      const secrets = ['SESSION_SECRET', 'POSTGRES_PASSWORD', 'SMTP_URL'];
      for (const service of Object.values(services)) {
        for (const [key, value] of Object.entries(service.environment ?? {})) {
          if (secrets.includes(key)) expect(String(value)).toMatch(/^\$\{\w+:\?/);
        }
      }
      expect(services.app.environment?.DATABASE_URL).toContain('${POSTGRES_PASSWORD:?');
    });

    it('backs up on demand: a one-shot on the postgres image of the db service, to the backups volume', () => {
      const { backup, db } = services;
      expect(backup.profiles).toEqual(['backup']);
      expect(backup.restart).toBe('no');
      expect(backup.command?.slice(0, 3)).toEqual(['node', 'dist/cli.js', 'dbbackup']);
      expect(commandProblem(backup.command!)).toBeUndefined();
      expect(backup.command?.join(' ')).toMatch(/--keep \$\{BACKUP_KEEP:-\d+\}/);
      expect(backup.volumes).toEqual(['backups:/backups']);
      expect(volumes).toHaveProperty('backups');
      expect(backup.depends_on).toEqual({ db: { condition: 'service_healthy' } });
      expect(backup.image).not.toBe(services.migrate.image);
      expect(backup.build).toEqual({ context: '.', dockerfile: 'Dockerfile.prod', target: 'backup' });
      expect(Object.keys(backup.environment ?? {}).filter((name) => !CONFIG_VARIABLES.has(name))).toEqual([]);
      expect(() => loadConfig(serviceEnvironment(backup))).not.toThrow();

      // The stage is the server's own image, so pg_dump is exactly the server's version, and its
      // folder is the one PG_BIN_DIR names; BACKUP_DIR is the volume.
      const dockerfile = read('Dockerfile.prod');
      const stage = /^FROM (\S+) AS backup$([\s\S]*?)^FROM /m.exec(dockerfile);
      expect(stage?.[1]).toBe(db.image);
      const major = /^postgres:(\d+)/.exec(db.image ?? '')?.[1];
      expect(stage?.[2]).toContain(`PG_BIN_DIR=/usr/lib/postgresql/${major}/bin`);
      expect(stage?.[2]).toContain('BACKUP_DIR=/backups');
      expect(stage?.[2]).toMatch(/^USER postgres$/m);
      // And it is not the default target: `docker build -f Dockerfile.prod` still gives the app.
      expect(
        dockerfile
          .trimEnd()
          .split(/^FROM /m)
          .at(-1),
      ).toMatch(/^base AS runtime\n/);
    });

    it('keeps Redis on disk with AOF, and PostgreSQL on a volume', () => {
      const redis = services.redis.command?.join(' ') ?? '';
      expect(redis).toContain('--appendonly yes');
      expect(services.redis.volumes).toContain('redisdata:/data');
      expect(services.db.volumes).toContain('pgdata:/var/lib/postgresql/data');
      expect(volumes).toHaveProperty('redisdata');
    });

    it('puts Caddy in front: proxies to every app replica, serves collected static files', () => {
      const caddyfile = read('docker/Caddyfile');
      const mount = services.proxy.volumes?.find((volume) => volume.includes('Caddyfile'));
      expect(mount?.split(':')[0]).toBe('./docker/Caddyfile');
      expect(caddyfile).toMatch(/dynamic a \{\s*name \{\$APP_UPSTREAM:app\}\s*port 3000/);
      expect(caddyfile).toMatch(/handle_path \/static\/\* \{\s*root \* \/srv\/static/);
      expect(services.collectstatic.command).toEqual(['node', 'dist/cli.js', 'collectstatic', '/srv/static']);
      expect(services.collectstatic.volumes).toContain('static:/srv/static');
      expect(services.proxy.volumes).toContain('static:/srv/static:ro');
      // The app sees the client's address only if it trusts the proxy's forwarded headers.
      expect(services.app.environment?.TRUST_PROXY).toMatch(/uniquelocal/);
      probedPaths(caddyfile).forEach((path) => probed.add(path));
    });

    it('keeps uploaded media on a volume the app writes and Caddy serves under /media', () => {
      expect(services.app.environment?.MEDIA_ROOT).toBe('/srv/media');
      expect(services.app.volumes).toContain('media:/srv/media');
      expect(services.proxy.volumes).toContain('media:/srv/media:ro');
      expect(volumes).toHaveProperty('media');
      expect(read('docker/Caddyfile')).toMatch(/handle_path \/media\/\* \{\s*root \* \/srv\/media/);
      expect(read('Dockerfile.prod')).toMatch(
        /mkdir -p [^\n]*\/srv\/media && chown node:node [^\n]*\/srv\/media/,
      );
      const dev = loadCompose('docker-compose.yml');
      expect(dev.services.app.volumes).toContain('media:/app/media');
      expect(dev.volumes).toHaveProperty('media');
    });
  });

  it('the Dockerfile health check probes a path that exists', () => {
    expect(read('Dockerfile.prod')).toMatch(
      /HEALTHCHECK[^\n]*\n?[^\n]*CMD \["node", "dist\/healthcheck\.js"\]/,
    );
    probedPaths(read('src/healthcheck.ts')).forEach((path) => probed.add(path));
  });

  describe('every probed path answers 200', () => {
    let app: NestExpressApplication;
    beforeAll(async () => {
      app = await startWebApp();
    });
    afterAll(() => app?.close());

    it('GET each', async () => {
      expect([...probed]).toContain('/health/live');
      for (const path of probed) await request(app.getHttpServer()).get(path).expect(200);
    });
  });

  it('dclint (a Compose linter) finds no errors', () => {
    const result = spawnSync(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules', 'dclint', 'bin', 'dclint.cjs'), ...FILES],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    expect(result.stdout + result.stderr).not.toMatch(/\berror\b/);
    expect(result.status).toBe(0);
  });
});
