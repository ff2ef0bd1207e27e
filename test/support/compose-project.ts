import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from './processes';
import { TEST_ENV } from './test-env';

/**
 * The environment an operator's shell has: this process's, without what the test harness set for
 * its own processes (LOG_LEVEL=silent, NODE_ENV=test, its DATABASE_URL, …). Compose interpolates
 * the files from it (`${LOG_LEVEL:-info}`): those would otherwise reach the containers.
 */
function operatorEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in TEST_ENV)));
}

/**
 * Why `docker compose` cannot run stacks here, or undefined when it can: the Compose v2 plugin and
 * an engine answering at DOCKER_HOST (Docker, or podman's API: ../shared/tools/compose-engine).
 */
export function composeUnavailable(): string | undefined {
  const version = spawnSync('docker', ['compose', 'version', '--short'], { encoding: 'utf8' });
  if (version.status !== 0) return 'the docker CLI with the Compose v2 plugin is not installed';
  const engine = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (engine.status !== 0) {
    return (
      `no container engine answers at ${process.env.DOCKER_HOST ?? 'the default Docker socket'} ` +
      `(${(engine.stderr || 'no answer').trim().split('\n').at(-1)})`
    );
  }
  return undefined;
}

/** Prints why a suite is skipped, and gives Jest's describe or describe.skip. */
export function describeWhenComposeRuns(title: string): { describe: jest.Describe; title: string } {
  const unavailable = composeUnavailable();
  if (unavailable) process.stderr.write(`Skipping "${title}": ${unavailable}.\n`);
  return {
    describe: unavailable ? describe.skip : describe,
    title: unavailable ? `${title} — skipped: ${unavailable}` : title,
  };
}

/**
 * A fresh checkout of the working tree (every file git tracks or would track, as it is on disk;
 * no node_modules, no src/generated), as a developer or CI clones it, in a temporary directory
 * owned by whoever runs the tests.
 */
export function copyCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), 'event-planner-checkout-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    cpSync(join(PROJECT_ROOT, file), join(root, file), { force: true, errorOnExist: false });
  }
  return root;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One Compose project: `docker compose -p <name> -f <files…> <args>` run from its directory. */
export class ComposeProject {
  constructor(
    readonly dir: string,
    readonly name: string,
    private readonly files: string[],
    /** Interpolation variables (host ports, secrets) on top of the test process's environment. */
    private readonly env: Record<string, string> = {},
  ) {}

  /** `-p <name> -f <file>…`: what every `docker compose` command for this project starts with. */
  get options(): string[] {
    return ['-p', this.name, ...this.files.flatMap((file) => ['-f', file])];
  }

  run(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    return this.spawnIn('docker', ['compose', ...this.options, ...args], options);
  }

  /** A program run in the project's directory with its variables (e.g. a script of the checkout). */
  spawnIn(
    program: string,
    args: string[],
    { timeoutMs = 120_000, input }: { timeoutMs?: number; input?: string } = {},
  ): Promise<CommandResult> {
    const started = Date.now();
    return new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(program, args, {
        cwd: this.dir,
        env: { ...operatorEnvironment(), ...this.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(input ?? '');
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        reject(
          new Error(
            `${program} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n` +
              `${stdout.slice(-3000)}\n${stderr.slice(-3000)}`,
          ),
        );
      }, timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  /** Like run, but fails with the command's output unless it exits 0. */
  async ok(args: string[], options?: { timeoutMs?: number; input?: string }): Promise<CommandResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(
        `docker compose ${args.join(' ')} exited ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
      );
    }
    return result;
  }

  /** Containers of this project (also stopped ones): name, service, state, health, exit code. */
  async containers(): Promise<ContainerState[]> {
    const { stdout } = await this.ok(['ps', '--all', '--format', 'json']);
    // Compose prints one JSON object per line (older releases: one array).
    const text = stdout.trim();
    if (!text) return [];
    const rows = text.startsWith('[')
      ? (JSON.parse(text) as RawContainer[])
      : text.split('\n').map((line) => JSON.parse(line) as RawContainer);
    return rows.map((row) => ({
      name: row.Name,
      service: row.Service,
      state: row.State,
      health: row.Health ?? '',
      exitCode: row.ExitCode,
    }));
  }

  /** What of this project is left on the engine: containers, volumes, networks (by Compose's label). */
  leftovers(): { containers: string[]; volumes: string[]; networks: string[] } {
    const label = `label=com.docker.compose.project=${this.name}`;
    const list = (args: string[], format: string) =>
      execFileSync('docker', [...args, '--filter', label, '--format', format], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
    return {
      containers: list(['ps', '--all'], '{{.Names}}'),
      volumes: list(['volume', 'ls'], '{{.Name}}'),
      networks: list(['network', 'ls'], '{{.Name}}'),
    };
  }
}

interface RawContainer {
  Name: string;
  Service: string;
  State: string;
  Health?: string;
  ExitCode: number;
}

export interface ContainerState {
  name: string;
  service: string;
  state: string;
  health: string;
  exitCode: number;
}
