/**
 * Mail throughput (issue 3): N messages (BENCH_MAIL_MESSAGES, default 5,000) from MailService.send
 * to delivered at an SMTP sink in this process, with one real worker process (src/worker.ts) in
 * between. Prints messages/s (first send → last delivery) and p50/p99 of each message's latency
 * from the send() call to its arrival at the sink. Target: ≥ 2,000 messages/s (issue 14; 1,524 before
 * it, measured the same way). The senders do not
 * wait for the worker, so those latencies are mostly time in the backlog; a second, paced run
 * reports the latency when the worker keeps up.
 *
 * Senders: BENCH_MAIL_SENDERS concurrent callers (default 32), like that many web requests.
 * Worker: the compiled worker (`node dist/worker.js`, built first) as production runs it,
 * WORKER_CONCURRENCY = BENCH_MAIL_CONCURRENCY (default 32), NODE_ENV=production (templates compiled
 * once, JSON logs at warn). Database/Redis: BENCH_DATABASE_URL (default its own
 * `event_planner_bench`, migrated here) and BENCH_REDIS_URL (default db 14; the `mail` queue in it
 * is emptied first).
 *
 * Run: `npm run bench -- mail`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { getQueueToken } from '@nestjs/bull';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bull';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config/app-config';
import { ensureDatabase, Migrator } from '../src/database/migrator';
import { MailContextModule } from '../src/mail/mail-context.module';
import { MailService } from '../src/mail/mail.service';
import { MIGRATIONS_DIR } from '../src/paths';
import { PrismaService } from '../src/prisma/prisma.service';
import { QUEUES } from '../src/jobs/queue/queues';
import { buildApp, cpuSecondsOf } from './lib/processes';
import { recordSummary } from './lib/report';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/event_planner_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const MESSAGES = Number(process.env.BENCH_MAIL_MESSAGES ?? 5_000);
const SENDERS = Number(process.env.BENCH_MAIL_SENDERS ?? 32);
const CONCURRENCY = Number(process.env.BENCH_MAIL_CONCURRENCY ?? 32);
/** Then a paced run (BENCH_MAIL_PACED_MESSAGES at BENCH_MAIL_PACED_RATE per second; 0 to skip). */
const PACED_MESSAGES = Number(process.env.BENCH_MAIL_PACED_MESSAGES ?? 300);
const PACED_RATE = Number(process.env.BENCH_MAIL_PACED_RATE ?? 50);
const WARMUP = 200;
const TARGET_PER_SECOND = 2_000;
const TODAY_PER_SECOND = 1_524;
const TIMEOUT_MS = 5 * 60_000;

const ENV = {
  NODE_ENV: 'production',
  DATABASE_URL,
  REDIS_URL,
  APP_URL: 'http://localhost:3000',
  SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  LOG_LEVEL: 'warn',
  LOG_PRETTY: 'false',
  WORKER_CONCURRENCY: String(CONCURRENCY),
};

/** An SMTP sink that only notes when each Message-ID arrived (parsing whole messages would cost CPU the worker needs). */
class ArrivalSink {
  readonly arrivals = new Map<string, number>();
  duplicates = 0;
  private server?: SMTPServer;
  private waiter?: { count: number; resolve: () => void };

  async start(): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      maxClients: 1_000,
      onData: (stream, _session, callback) => {
        let head = '';
        stream.on('data', (chunk: Buffer) => {
          if (head.length < 16_384 && !head.includes('\r\n\r\n')) head += chunk.toString('latin1');
        });
        stream.on('end', () => {
          const id = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1];
          if (id) this.arrived(id);
          callback();
        });
      },
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    return (this.server.server.address() as { port: number }).port;
  }

  private arrived(id: string): void {
    if (this.arrivals.has(id)) this.duplicates += 1;
    else this.arrivals.set(id, performance.now());
    if (this.waiter && this.arrivals.size >= this.waiter.count) this.waiter.resolve();
  }

  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.arrivals.size >= count) return Promise.resolve();
    return new Promise((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`only ${this.arrivals.size}/${count} messages arrived within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiter = { count, resolve: () => (clearTimeout(timer), done()) };
    });
  }

  stop(): Promise<void> {
    return new Promise((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

function startWorker(smtpPort: number): Promise<ChildProcess> {
  const root = resolve(__dirname, '..');
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the worker.
      ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
      'dist/worker.js',
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ...ENV,
        // Info only for its "Worker ready" line: a delivered message logs nothing.
        LOG_LEVEL: 'info',
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((done, fail) => {
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (output.length < 65_536) output += chunk;
      if (output.includes('Worker ready')) done(child);
    });
    child.once('exit', (code) => fail(new Error(`worker exited (${code}) before it was ready:\n${output}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<boolean> {
  buildApp();
  await ensureDatabase(DATABASE_URL);
  await new Migrator(DATABASE_URL, MIGRATIONS_DIR).migrate();
  const config = loadConfig({ ...process.env, ...ENV });
  const app = await NestFactory.createApplicationContext(MailContextModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  const sink = new ArrivalSink();
  let worker: ChildProcess | undefined;
  try {
    const mail = app.get(MailService);
    const prisma = app.get(PrismaService);
    const queue = app.get<Queue>(getQueueToken(QUEUES.mail));
    await queue.empty();
    await queue.clean(0, 'completed');
    await queue.clean(0, 'failed');
    await prisma.$executeRaw`DELETE FROM "outgoing_emails" WHERE "to_address" LIKE 'bench-%@example.com'`;

    const port = await sink.start();
    worker = await startWorker(port);
    const domain = new URL(ENV.APP_URL).hostname;

    const run = async (count: number, label: string) => {
      const sentAt = new Map<string, number>();
      let next = 0;
      const started = performance.now();
      const base = sink.arrivals.size;
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          while (next < count) {
            const n = next++;
            const t0 = performance.now();
            const { id } = await mail.send('welcome', `bench-${label}-${n}@example.com`, {
              displayName: `Bench ${n}`,
            });
            sentAt.set(`<${id}@${domain}>`, t0);
          }
        }),
      );
      const handedOff = performance.now();
      await sink.waitFor(base + count, TIMEOUT_MS);
      const latencies = [...sentAt].map(([id, t0]) => sink.arrivals.get(id)! - t0).sort((a, b) => a - b);
      const last = Math.max(...[...sentAt.keys()].map((id) => sink.arrivals.get(id)!));
      return { seconds: (last - started) / 1_000, sendSeconds: (handedOff - started) / 1_000, latencies };
    };

    /** Latency when the worker keeps up: one send every 1000/rate ms, none waiting in a backlog. */
    const paced = async (count: number, rate: number) => {
      const sentAt = new Map<string, number>();
      const base = sink.arrivals.size;
      const pending: Array<Promise<void>> = [];
      for (let n = 0; n < count; n += 1) {
        const t0 = performance.now();
        pending.push(
          mail
            .send('welcome', `bench-paced-${n}@example.com`, { displayName: `Bench ${n}` })
            .then(({ id }) => void sentAt.set(`<${id}@${domain}>`, t0)),
        );
        await new Promise((done) => setTimeout(done, 1_000 / rate));
      }
      await Promise.all(pending);
      await sink.waitFor(base + count, TIMEOUT_MS);
      return [...sentAt].map(([id, t0]) => sink.arrivals.get(id)! - t0).sort((a, b) => a - b);
    };

    await run(WARMUP, 'warmup');
    const cpuBefore = { worker: cpuSecondsOf(worker) * 1_000, bench: process.cpuUsage() };
    const result = await run(MESSAGES, 'run');
    const workerCpu = cpuSecondsOf(worker) * 1_000 - cpuBefore.worker;
    const benchUsage = process.cpuUsage(cpuBefore.bench);
    const benchCpu = (benchUsage.user + benchUsage.system) / 1_000;
    const perSecond = MESSAGES / result.seconds;
    // The worker marks rows sent in batches right after delivery: give the last batch a moment.
    const countSent = () =>
      prisma.outgoingEmail.count({ where: { toAddress: { startsWith: 'bench-run-' }, status: 'sent' } });
    let sent = await countSent();
    for (let tries = 0; sent < MESSAGES && tries < 50; tries += 1) {
      await new Promise((done) => setTimeout(done, 200));
      sent = await countSent();
    }
    console.log(
      `mail: ${MESSAGES} messages, ${SENDERS} senders, worker concurrency ${CONCURRENCY}\n` +
        `  hand-off (send() for all): ${(MESSAGES / result.sendSeconds).toFixed(0)} msgs/s\n` +
        `  delivered end to end:      ${perSecond.toFixed(0)} msgs/s (${result.seconds.toFixed(2)} s)\n` +
        `  send() → delivery latency: p50 ${percentile(result.latencies, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(result.latencies, 99).toFixed(0)} ms, max ${result.latencies.at(-1)!.toFixed(0)} ms\n` +
        `  rows marked sent: ${sent}/${MESSAGES}; duplicate deliveries: ${sink.duplicates}\n` +
        `  CPU per message: worker ${(workerCpu / MESSAGES).toFixed(2)} ms, this process (senders + SMTP sink) ` +
        `${(benchCpu / MESSAGES).toFixed(2)} ms; load average ${loadavg()
          .map((value) => value.toFixed(1))
          .join(' ')} on ${cpus().length} CPUs\n` +
        `  target ≥ ${TARGET_PER_SECOND} msgs/s (today ${TODAY_PER_SECOND}): ${perSecond >= TARGET_PER_SECOND ? 'met' : 'NOT met'}`,
    );
    recordSummary('mail', [
      `delivered by one worker: ${perSecond.toFixed(0)} msgs/s (today ${TODAY_PER_SECOND}, target ≥ ${TARGET_PER_SECOND}): ` +
        `${perSecond >= TARGET_PER_SECOND ? 'met' : 'not met'}; CPU ${(workerCpu / MESSAGES).toFixed(2)} ms a message; ` +
        `load average ${loadavg()[0].toFixed(1)}`,
    ]);
    if (PACED_MESSAGES > 0) {
      const latencies = await paced(PACED_MESSAGES, PACED_RATE);
      console.log(
        `  paced, ${PACED_MESSAGES} messages at ${PACED_RATE}/s (no backlog): send() → delivery ` +
          `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
      );
    }
    return perSecond >= TARGET_PER_SECOND;
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((done) => worker!.once('exit', done));
      worker.kill('SIGTERM');
      await exited;
    }
    await app.close();
    await sink.stop();
  }
}

if (require.main === module) {
  main().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
