import { ConflictException } from '@nestjs/common';
import type { RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { eventually, startMailSide, startWorker, type MailSide } from './mail-test-support';

const MAX_ATTEMPTS = 6;

/**
 * The SMTP server is down, then refuses (4xx), then recovers: messages arrive after the recovery
 * thanks to retries with backoff. One recipient is refused for good (5xx): after the last attempt
 * its message is `failed` with the server's answer, and the admin's retry sends it once fixed.
 */
describe('mail while the SMTP server is down or refusing', () => {
  const sink = new SmtpSink();
  let side: MailSide;
  let worker: RunningProcess;

  beforeAll(async () => {
    // Reserve a port, then take the server down: the worker starts against a dead SMTP server.
    await sink.start();
    await sink.stop();
    // Attempts and backoff are job options, set by whoever queues the job: both sides agree.
    const retries = { MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS), MAIL_RETRY_DELAY_MS: '300' };
    side = await startMailSide(retries);
    worker = await startWorker({ SMTP_URL: sink.url, ...retries });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await side?.close();
    await sink.stop();
  });

  it('retries with backoff, delivers after recovery, and marks a message refused for good as failed', async () => {
    const good = await Promise.all(
      [1, 2, 3].map((n) => side.mail.send('test', `patient-${n}@example.com`, { sentBy: 'the outage test' })),
    );
    const doomed = await side.mail.send('test', 'no-such-user@example.com', {});
    const goodIds = good.map((result) => result.id);

    // Down: connection refused, recorded on the rows, which stay queued for the next attempt.
    await eventually(async () => {
      const rows = await side.prisma.outgoingEmail.findMany({ where: { id: { in: goodIds } } });
      return rows.every((row) => row.attempts >= 1 && row.lastError && row.status !== 'failed');
    }, 20_000);
    expect(sink.messages).toHaveLength(0);

    // Up but refusing with a temporary error.
    sink.refuseAll = { code: 451, message: 'Try again later' };
    sink.refuseRecipient('no-such-user@example.com', { code: 550, message: 'No such user here' });
    await sink.start();
    await eventually(async () => {
      const rows = await side.prisma.outgoingEmail.findMany({ where: { id: { in: goodIds } } });
      return rows.some((row) => row.lastError?.includes('451'));
    }, 20_000);
    expect(sink.messages).toHaveLength(0);

    // Recovered.
    sink.refuseAll = undefined;
    await sink.waitUntil((messages) => messages.length >= 3, 30_000);
    const sent = await eventually(async () => {
      const rows = await side.prisma.outgoingEmail.findMany({ where: { id: { in: goodIds } } });
      return rows.every((row) => row.status === 'sent') && rows;
    });
    for (const row of sent) expect(row.attempts).toBeGreaterThanOrEqual(2);

    const failed = await eventually(async () => {
      const row = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id: doomed.id } });
      return row.status === 'failed' && row;
    }, 30_000);
    expect(failed.attempts).toBe(MAX_ATTEMPTS);
    expect(failed.lastError).toMatch(/550/);
    expect(failed.lastError).toMatch(/No such user here/);
    expect(sink.messages.some((mail) => mail.messageId === failed.messageId)).toBe(false);

    // The admin's retry, once the mailbox exists: delivered with its original Message-ID.
    await expect(side.mail.retry(goodIds[0])).rejects.toBeInstanceOf(ConflictException);
    sink.acceptRecipient('no-such-user@example.com');
    await side.mail.retry(doomed.id);
    await sink.waitUntil((messages) => messages.some((mail) => mail.messageId === failed.messageId), 20_000);
    const retried = await eventually(async () => {
      const row = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id: doomed.id } });
      return row.status === 'sent' && row;
    });
    expect(retried.attempts).toBe(MAX_ATTEMPTS + 1);
  }, 120_000);
});
