import type { NestExpressApplication } from '@nestjs/platform-express';
import { csrfFrom, expectStatus, type Agent } from '../accounts/support';
import { loggedIn } from '../admin/support';
import type { RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { startWebApp } from '../support/web-app';
import { eventually } from '../support/eventually';
import { startMailSide, startWorker, type MailSide } from './mail-test-support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A short retry schedule (the default is 30 s doubling to an hour, for 24 hours): the first retry
// after 200 ms, doubling up to 800 ms, for 20 s. With 200 ms the old fixed 5 attempts spanned
// 0.2 + 0.4 + 0.8 + 1.6 = 3 s, far less than the outage below. Both sides agree: attempts and
// delays are job options, set by whoever queues the job.
const SCHEDULE = {
  MAIL_RETRY_DELAY_MS: '200',
  MAIL_RETRY_MAX_DELAY_MS: '800',
  MAIL_RETRY_WINDOW_MS: '20000',
};
const OUTAGE_MS = 6_000;

/**
 * The SMTP server is down, then refuses everything with a 4xx (greylisting), for longer than the
 * whole retry window the app used to have: every message still arrives, once, after the recovery.
 * A recipient refused with a 5xx fails at once, after one attempt, with the server's answer, shown
 * in the admin; the admin's retry sends it once the mailbox exists.
 */
describe('mail while the SMTP server is down or refusing', () => {
  const sink = new SmtpSink();
  let side: MailSide;
  let worker: RunningProcess;

  beforeAll(async () => {
    // Reserve a port, then take the server down: the worker starts against a dead SMTP server.
    await sink.start();
    await sink.stop();
    side = await startMailSide(SCHEDULE);
    worker = await startWorker({ SMTP_URL: sink.url, ...SCHEDULE });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await side?.close();
    await sink.stop();
  });

  it('retries temporary failures with growing delays through an outage longer than the old window: 0 failed', async () => {
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        side.mail.send('test', `patient-${n}@example.com`, { sentBy: 'outage' }),
      ),
    );
    const ids = sent.map((result) => result.id);
    const rows = () => side.prisma.outgoingEmail.findMany({ where: { id: { in: ids } } });

    // Down (connection refused), then up but greylisting (451).
    await sleep(OUTAGE_MS / 2);
    sink.refuseAll = { code: 451, message: 'Greylisted, try again later' };
    await sink.start();
    await sleep(OUTAGE_MS / 2);
    const during = await rows();
    expect(sink.messages).toHaveLength(0);
    expect(during.every((row) => row.status !== 'failed')).toBe(true);
    expect(during.some((row) => row.lastError?.includes('451'))).toBe(true);
    // More attempts than the old limit of 5, with the delays growing: fewer than one every 200 ms.
    const attempts = Math.max(...during.map((row) => row.attempts));
    expect(attempts).toBeGreaterThan(5);
    expect(attempts).toBeLessThan(OUTAGE_MS / 200);

    sink.refuseAll = undefined;
    await sink.waitUntil((messages) => messages.length >= ids.length, 20_000);
    const delivered = await eventually(async () => {
      const found = await rows();
      expect(found.map((row) => row.status)).toEqual(found.map(() => 'sent'));
      return found;
    });
    const failed = delivered.filter((row) => row.status === 'failed').length;
    process.stdout.write(
      `SMTP outage of ${OUTAGE_MS} ms (old window ~3 s): ${failed} failed, ${delivered.length} sent, ` +
        `up to ${Math.max(...delivered.map((row) => row.attempts))} attempts\n`,
    );
    expect(failed).toBe(0);
    for (const row of delivered) expect(sink.countsByMessageId().get(row.messageId)).toBe(1);
  }, 60_000);

  describe('a permanent refusal', () => {
    let app: NestExpressApplication;
    let admin: Agent;

    beforeAll(async () => {
      app = await startWebApp(SCHEDULE);
      ({ agent: admin } = await loggedIn(app, { staff: true, superuser: true }));
    });
    afterAll(async () => {
      await app?.close();
    });

    it('fails after one attempt with the server’s answer, shown in the admin, and the admin’s retry sends it', async () => {
      sink.refuseRecipient('no-such-user@example.com', { code: 550, message: 'No such user here' });
      const doomed = await side.mail.send('test', 'no-such-user@example.com', {});
      const failed = await eventually(async () => {
        const row = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id: doomed.id } });
        expect(row.status).toBe('failed');
        return row;
      }, 20_000);
      expect(failed.attempts).toBe(1);
      expect(failed.lastError).toMatch(/550/);
      expect(failed.lastError).toMatch(/No such user here/);
      // No retry came after it.
      await sleep(1_500);
      expect(await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id: doomed.id } })).toMatchObject({
        status: 'failed',
        attempts: 1,
      });
      expect(sink.messages.some((mail) => mail.messageId === failed.messageId)).toBe(false);

      // The admin's change list shows the status and the server's answer.
      const list = expectStatus(await admin.get('/admin/outgoingemail?status__exact=failed'), 200).text;
      expect(list).toContain('no-such-user@example.com');
      expect(list).toContain('Last error');
      expect(list).toMatch(/550[^<]*No such user here/);

      // The admin's retry, once the mailbox exists: delivered with its original Message-ID.
      sink.acceptRecipient('no-such-user@example.com');
      const retried = await admin
        .post('/admin/outgoingemail/action')
        .type('form')
        .send({ action: 'retry_failed', _selected_action: doomed.id, confirm: 'yes', _csrf: csrfFrom(list) });
      expectStatus(retried, 303);
      await sink.waitUntil(
        (messages) => messages.some((mail) => mail.messageId === failed.messageId),
        20_000,
      );
      const sent = await eventually(async () => {
        const row = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id: doomed.id } });
        expect(row.status).toBe('sent');
        return row;
      });
      expect(sent.attempts).toBe(2);
    }, 60_000);
  });
});
