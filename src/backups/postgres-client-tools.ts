import { Injectable } from '@nestjs/common';
import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppConfig } from '../config/app-config';

const run = promisify(execFile);

export type PostgresProgram = 'pg_dump' | 'pg_restore' | 'psql';

/** A client program that ran: how it ended and the end of what it wrote to stderr. */
export interface ProgramResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface StartedProgram {
  child: ChildProcess;
  done: Promise<ProgramResult>;
}

// Enough of a client's stderr to explain a failure; a restore's notices can run long.
const STDERR_KEPT = 16_000;

/**
 * PostgreSQL's own client programs (pg_dump, pg_restore, psql), the outside system backups go
 * through: from PG_BIN_DIR when set (e.g. /usr/lib/postgresql/17/bin beside an older default),
 * else from PATH. Written as a seam so the command line and environment each program gets are
 * in one place.
 */
@Injectable()
export class PostgresClientTools {
  constructor(private readonly config: AppConfig) {}

  path(program: PostgresProgram): string {
    const dir = this.config.values.PG_BIN_DIR;
    return dir ? join(dir, program) : program;
  }

  /** The major version of a client program (`pg_dump (PostgreSQL) 15.20 (Debian ...)` → 15). */
  async majorVersion(program: PostgresProgram): Promise<number> {
    let stdout: string;
    try {
      ({ stdout } = await run(this.path(program), ['--version']));
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      throw new Error(
        code === 'ENOENT'
          ? `${program} not found${this.config.values.PG_BIN_DIR ? ` in PG_BIN_DIR (${this.config.values.PG_BIN_DIR})` : ' on PATH'}: install PostgreSQL's client programs (Debian: postgresql-client) or set PG_BIN_DIR`
          : `${program} --version failed: ${(error as Error).message}`,
      );
    }
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    if (!match) throw new Error(`cannot read the version of ${program} from "${stdout.trim()}"`);
    return Number(match[1]);
  }

  start(
    program: PostgresProgram,
    args: string[],
    env: NodeJS.ProcessEnv,
    stdio: StdioOptions,
  ): StartedProgram {
    const child = spawn(this.path(program), args, { env, stdio });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    const done = new Promise<ProgramResult>((resolve) => {
      child.once('error', (error) =>
        resolve({ code: null, signal: null, stderr: `${program}: ${error.message}` }),
      );
      child.once('close', (code, signal) => resolve({ code, signal, stderr }));
    });
    return { child, done };
  }
}
