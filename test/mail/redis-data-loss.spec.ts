import { freePort, type RunningProcess } from '../support/processes';
import { ScratchRedis } from '../support/scratch-redis';
import { SmtpSink } from '../support/smtp-sink';
import { eventually } from '../support/eventually';
import { startMailSide, startWorker, type MailSide } from './mail-test-support';

const MESSAGES = 300;

/**
 * Redis restarts without persistence while e-mails wait in it for a retry (the SMTP server was
 * greylisting): their jobs are gone, their rows still `queued`. The relay notices within seconds
 * of Redis returning and queues them again, instead of after STUCK_AFTER_MS (10 minutes).
 */
describe('mail when Redis comes back without its data', () => {
  const sink = new SmtpSink();
  let redis: ScratchRedis;
  let side: MailSide;
  let worker: RunningProcess;

  beforeAll(async () => {
    await sink.start();
    redis = new ScratchRedis(await freePort());
    await redis.start();
    // Retries an hour apart: whatever arrives within the test was queued again, not retried.
    const env = { REDIS_URL: redis.url, MAIL_RETRY_DELAY_MS: '3600000' };
    side = await startMailSide(env);
    worker = await startWorker({ ...env, SMTP_URL: sink.url, MAIL_RELAY_INTERVAL_MS: '1000' });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await side?.close();
    await redis?.kill();
    await sink.stop();
  });

  it('re-queues every queued e-mail whose job was lost within 30 s of Redis returning', async () => {
    sink.refuseAll = { code: 451, message: 'Greylisted, try again later' };
    const sent = await Promise.all(
      Array.from({ length: MESSAGES }, (_, n) => side.mail.send('test', `lost-${n}@example.com`, {})),
    );
    const ids = sent.map((result) => result.id);
    // Every message tried once and now waiting in Redis for its retry.
    await eventually(async () => {
      const waiting = await side.prisma.outgoingEmail.count({
        where: { id: { in: ids }, status: 'queued', attempts: 1, enqueuedAt: { not: null } },
      });
      expect(waiting).toBe(MESSAGES);
    }, 30_000);
    expect(await side.queue.getDelayedCount()).toBe(MESSAGES);

    await redis.kill();
    await redis.start();
    const returnedAt = Date.now();
    sink.refuseAll = undefined;

    await sink.waitUntil((messages) => messages.length >= MESSAGES, 30_000);
    const lateBy = Date.now() - returnedAt;
    process.stdout.write(
      `Redis lost its data: ${MESSAGES} e-mails re-queued and delivered ${lateBy} ms after it returned\n`,
    );
    expect(lateBy).toBeLessThan(30_000);
    const rows = await eventually(async () => {
      const found = await side.prisma.outgoingEmail.findMany({ where: { id: { in: ids } } });
      expect(found.map((row) => row.status)).toEqual(found.map(() => 'sent'));
      return found;
    });
    for (const row of rows) expect(sink.countsByMessageId().get(row.messageId)).toBe(1);
  }, 90_000);
});
