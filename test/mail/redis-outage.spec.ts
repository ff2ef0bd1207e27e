import { TcpProxy } from '../support/tcp-proxy';
import type { RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { eventually } from '../support/eventually';
import { queueDrained, startMailSide, startWorker, type MailSide } from './mail-test-support';

/**
 * Redis goes away (a TCP proxy in front of the real one, for the sending side and the worker alike)
 * while a caller sends mail: the send still succeeds, and the message arrives once Redis is back.
 */
describe('mail while Redis is down', () => {
  const sink = new SmtpSink();
  const redisUrl = new URL(process.env.REDIS_URL!);
  const proxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
  let side: MailSide;
  let worker: RunningProcess;

  beforeAll(async () => {
    await sink.start();
    await proxy.start();
    const viaProxy = Object.assign(new URL(redisUrl), { port: String(proxy.port) }).toString();
    side = await startMailSide({ REDIS_URL: viaProxy });
    // Debug logging: the worker's failed attempts to queue (below) are the signal that it tried.
    worker = await startWorker({
      SMTP_URL: sink.url,
      REDIS_URL: viaProxy,
      MAIL_RELAY_INTERVAL_MS: '500',
      LOG_LEVEL: 'debug',
    });
  }, 90_000);

  afterAll(async () => {
    // Redis back first, should a test have failed during the outage: closing waits for it.
    if (!proxy.running) await proxy.start();
    await worker?.stop();
    await side?.close();
    await proxy.stop();
    await sink.stop();
  });

  it('records the message in the caller’s transaction, and delivers it once Redis is back', async () => {
    await proxy.stop();

    const logFrom = worker.lines.length;
    const started = Date.now();
    const { id } = await side.prisma.$transaction((tx) =>
      side.mail.send('welcome', 'outage@example.com', { displayName: 'During the outage' }, { tx }),
    );
    // The transaction does not wait for Redis at all (waiting would last the outage), and nothing
    // was lost: the row is there, not yet queued. The bound leaves room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(3_000);
    const recorded = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id } });
    expect(recorded).toMatchObject({ status: 'queued', enqueuedAt: null });

    // The worker heard of the message and could not queue it, and a relay round failed after that:
    // both ways a message reaches the queue were tried while Redis was away, and nothing went out.
    await eventually(() => {
      const since = worker.lines.slice(logFrom);
      const announced = since.findIndex((line) => line.includes(`Could not queue announced e-mail ${id}`));
      expect(announced).toBeGreaterThanOrEqual(0);
      expect(since.slice(announced).some((line) => line.includes('Relay round failed'))).toBe(true);
    }, 30_000);
    expect(sink.messages).toHaveLength(0);

    await proxy.start();
    await sink.waitUntil((messages) => messages.length === 1, 40_000);
    expect(sink.messages[0].messageId).toBe(recorded.messageId);
    const row = await eventually(async () => {
      const found = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id } });
      expect(found.status).toBe('sent');
      return found;
    });
    expect(row.enqueuedAt).toBeInstanceOf(Date);
    // Sent once: the relay and the original send never both queued it. With the row sent and the
    // queue drained, nothing can send it again.
    await queueDrained(side.queue);
    expect(sink.countsByMessageId().get(recorded.messageId)).toBe(1);
  }, 90_000);
});
