import { spawn } from 'node:child_process';
import { deployProblems } from '../../src/cli/deploy-checks';
import { DEVELOPMENT_SESSION_SECRET } from '../../src/config/config.schema';
import { PROJECT_ROOT, startProcess } from '../support/processes';
import { TEST_ENV } from '../support/test-env';

const SAFE_PRODUCTION = {
  NODE_ENV: 'production',
  APP_URL: 'https://events.example.com',
  DATABASE_URL: 'postgresql://app:secret@db.internal:5432/event_planner',
  REDIS_URL: 'redis://redis.internal:6379/0',
  SMTP_URL: 'smtp://user:password@smtp.example.com:587',
  MAIL_FROM: 'Event Planner <events@example.com>',
  SESSION_SECRET: 'a-production-secret-that-is-long-enough-0123456789',
  LOG_LEVEL: 'info',
};

const variableOf = (line: string) => /^(?:Invalid configuration: )?([A-Z_]+) /.exec(line)?.[1];

describe('check --deploy (what it reports)', () => {
  it('accepts a safe production configuration', () => {
    expect(deployProblems(SAFE_PRODUCTION)).toEqual([]);
  });

  it('reports every unsafe setting, one line each, even those production refuses to start with', () => {
    const problems = deployProblems({
      NODE_ENV: 'production',
      SESSION_SECRET: DEVELOPMENT_SESSION_SECRET,
      DEBUG_TOOLBAR: 'true',
      APP_URL: 'http://events.example.com',
      LOG_LEVEL: 'trace',
    });
    expect(problems.map(variableOf)).toEqual([
      'SESSION_SECRET',
      'DEBUG_TOOLBAR',
      'APP_URL',
      'SMTP_URL',
      'MAIL_FROM',
      'LOG_LEVEL',
      'DATABASE_URL',
      'REDIS_URL',
    ]);
    expect(problems.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('flags development: insecure cookies and the debug toolbar', () => {
    const problems = deployProblems({ ...SAFE_PRODUCTION, NODE_ENV: 'development' });
    expect(problems.map(variableOf)).toEqual(['NODE_ENV', 'DEBUG_TOOLBAR']);
    expect(problems[0]).toMatch(/not marked Secure/);
  });

  it('flags an SMTP server on this host', () => {
    expect(deployProblems({ ...SAFE_PRODUCTION, SMTP_URL: 'smtp://127.0.0.1:1025' })).toEqual([
      expect.stringMatching(/^SMTP_URL points at this host/),
    ]);
  });

  it('names /metrics opened to anyone (METRICS_PUBLIC without METRICS_TOKEN)', () => {
    expect(deployProblems({ ...SAFE_PRODUCTION, METRICS_PUBLIC: 'true' })).toEqual([
      expect.stringMatching(/^METRICS_PUBLIC is true without METRICS_TOKEN: \/metrics .* answers anyone/),
    ]);
    const token = 'a-long-random-token-for-prometheus';
    expect(deployProblems({ ...SAFE_PRODUCTION, METRICS_PUBLIC: 'true', METRICS_TOKEN: token })).toEqual([]);
  });

  it('reports invalid values as the configuration would', () => {
    expect(deployProblems({ ...SAFE_PRODUCTION, DATABASE_URL: 'nonsense' })).toEqual([
      expect.stringMatching(/^Invalid configuration: DATABASE_URL must be a PostgreSQL URL/),
    ]);
  });
});

describe('npm run cli -- check', () => {
  it('--deploy exits 1 with one line per problem on stderr (production with the development secret)', async () => {
    const env = {
      ...SAFE_PRODUCTION,
      SESSION_SECRET: DEVELOPMENT_SESSION_SECRET,
      APP_URL: 'http://x.example.com',
    };
    const cli = startProcess('src/cli.ts', ['check', '--deploy'], env);
    expect(await cli.exited).toBe(1);
    expect(cli.lines.filter(Boolean)).toEqual(deployProblems({ ...TEST_ENV, ...env }));
    expect(cli.lines.filter(Boolean).map(variableOf)).toEqual(['SESSION_SECRET', 'APP_URL']);
  });

  it('--deploy exits 0 for a safe production configuration', async () => {
    const cli = startProcess('src/cli.ts', ['check', '--deploy'], SAFE_PRODUCTION);
    expect(await cli.exited).toBe(0);
    expect(cli.lines).toContain('System check identified no issues (deploy).');
  });

  it('without --deploy checks the services: migrated database and Redis reachable', async () => {
    const ok = startProcess('src/cli.ts', ['check']);
    expect(await ok.exited).toBe(0);
    expect(ok.lines).toContain('System check identified no issues.');

    const missing = new URL(TEST_ENV.DATABASE_URL);
    missing.pathname = '/event_planner_does_not_exist';
    const broken = startProcess('src/cli.ts', ['check'], {
      DATABASE_URL: missing.toString(),
      REDIS_URL: 'redis://127.0.0.1:1/0',
    });
    expect(await broken.exited).toBe(1);
    expect(broken.lines.filter(Boolean).map((line) => line.split(':')[0])).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
    ]);
  });
});

describe('npm run cli (commander)', () => {
  it('--help lists the commands and exits 0; an unknown command is reported once, exit 1', async () => {
    const help = startProcess('src/cli.ts', ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.lines).toContain('Commands:');
    expect(help.lines.join('\n')).not.toContain('(outputHelp)');
    const unknown = startProcess('src/cli.ts', ['bogus']);
    expect(await unknown.exited).toBe(1);
    expect(unknown.lines.filter(Boolean)).toEqual(["error: unknown command 'bogus'"]);
  });
});

describe('npm run repl', () => {
  it('evaluates against the application: prisma, config and every provider by class name', async () => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'src/repl.ts'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...TEST_ENV, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 60_000;
      while (!pattern.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(pattern);
    };
    await waitFor(/REPL initialized/);
    child.stdin.write('(await prisma.user.count()) >= 0 ? "counted users" : "no"\n');
    await waitFor(/'counted users'/);
    child.stdin.write('config.values.NODE_ENV + "!"\n');
    await waitFor(/'test!'/);
    child.stdin.write('typeof get(SystemService).pingWorker\n');
    await waitFor(/'function'/);
    child.stdin.write('.exit\n');
    expect(await exited).toBe(0);
  });
});
