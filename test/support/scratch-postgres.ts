import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PostgreSQL's server programs (initdb, pg_ctl) on this machine, if any. */
export async function postgresAvailable(): Promise<boolean> {
  try {
    await run('initdb', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary directory, on its own port), for
 * tests that stop and start the server: the shared one other suites use is never touched. As root,
 * the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
export class ScratchPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'ep-pg-'));
  private readonly asRoot = userInfo().uid === 0;

  constructor(readonly port: number) {}

  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async init(): Promise<void> {
    if (this.asRoot) {
      const { uid, gid } = await this.idsOf('postgres');
      chownSync(this.dir, uid, gid);
    }
    await this.as(['initdb', '-D', join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await this.start();
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.as([
      'pg_ctl',
      '-D',
      join(this.dir, 'data'),
      '-o',
      options,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
  }

  /** A fast shutdown, like a restart or failover: sessions get 57P01, then connections are refused. */
  async stop(): Promise<void> {
    await this.as(['pg_ctl', '-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private as(command: string[]): Promise<unknown> {
    return this.asRoot
      ? run('runuser', ['-u', 'postgres', '--', ...command])
      : run(command[0], command.slice(1));
  }

  private async idsOf(user: string): Promise<{ uid: number; gid: number }> {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
      run('id', ['-u', user]),
      run('id', ['-g', user]),
    ]);
    return { uid: Number(uid), gid: Number(gid) };
  }
}
