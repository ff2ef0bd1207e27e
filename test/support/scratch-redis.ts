import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A redis-server of the test's own, without persistence (no RDB, no AOF), on its own port: killing
 * and starting it again is Redis restarting with all its data lost. The shared Redis is never touched.
 */
export class ScratchRedis {
  private server?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const server = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) resolve();
      });
      server.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    });
  }

  /** SIGKILL: gone at once, and with it every key. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });
  }
}
