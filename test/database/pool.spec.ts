import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { loadConfig } from '../../src/config/app-config';
import { PrismaService } from '../../src/prisma/prisma.service';

const backendPid = { name: 'pool_probe_backend_pid', text: 'SELECT pg_backend_pid() AS pid' };

async function pidOf(prisma: PrismaService): Promise<number> {
  const [row] = await prisma.prepared<{ pid: number }>(backendPid, []);
  return row.pid;
}

describe('the database pool (DATABASE_POOL_SIZE, DATABASE_POOL_IDLE_SECONDS)', () => {
  it('keeps idle connections 10 minutes by default, not node-postgres’ 10 s', () => {
    const { values } = loadConfig({});
    expect(values.DATABASE_POOL_IDLE_SECONDS).toBe(600);
    expect(values.DATABASE_POOL_SIZE).toBe(10);
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(
      /^Invalid configuration: DATABASE_POOL_SIZE /,
    );
  });

  it('opens at most DATABASE_POOL_SIZE connections, and closes one after DATABASE_POOL_IDLE_SECONDS unused', async () => {
    const prisma = new PrismaService(
      loadConfig({ ...process.env, DATABASE_POOL_SIZE: '2', DATABASE_POOL_IDLE_SECONDS: '0.5' }),
    );
    // The pool is private; its `remove` event is the signal that a connection was closed.
    const pool = (prisma as unknown as { pool: Pool }).pool;
    try {
      const pids = await Promise.all(Array.from({ length: 6 }, () => pidOf(prisma)));
      expect(new Set(pids).size).toBeLessThanOrEqual(2);
      expect(pool.totalCount).toBeLessThanOrEqual(2);

      const removed = () => new Promise((resolve) => pool.once('remove', resolve));
      while (pool.totalCount > 0) await removed();

      const quietSince = performance.now();
      const firstPid = await pidOf(prisma);
      expect(pool.totalCount).toBe(1);
      await removed();
      const idleMs = performance.now() - quietSince;
      expect(idleMs).toBeGreaterThanOrEqual(450);
      expect(idleMs).toBeLessThan(4_000);
      // Its server backend is gone, so the next query runs on a new connection.
      expect(await pidOf(prisma)).not.toBe(firstPid);
    } finally {
      await prisma.onModuleDestroy();
    }
  });

  it('is closed with the module even when only prepared statements used it (a CLI command then exits)', async () => {
    const prisma = new PrismaService(loadConfig(process.env));
    const pool = (prisma as unknown as { pool: Pool }).pool;
    await pidOf(prisma);
    expect(pool.totalCount).toBe(1);
    await prisma.onModuleDestroy();
    expect(pool.ended).toBe(true);
    expect(pool.totalCount).toBe(0);
  });
});
