import { randomUUID } from 'node:crypto';
import { MailInputError } from '../../src/mail/mail-input.error';
import type { RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { eventually } from '../support/eventually';
import { queueDrained, startMailSide, startWorker, type MailSide } from './mail-test-support';

describe('mail delivery through the worker', () => {
  const sink = new SmtpSink();
  let side: MailSide;
  let worker: RunningProcess;

  beforeAll(async () => {
    await sink.start();
    side = await startMailSide();
    // The periodic sweep is slowed right down: messages sent in a transaction must be queued on
    // their commit notification, not by the sweep.
    worker = await startWorker({ SMTP_URL: sink.url, MAIL_RELAY_INTERVAL_MS: '600000' });
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await side?.close();
    await sink.stop();
  });

  it('delivers the right recipient, subject, HTML and text parts with absolute links', async () => {
    const { id } = await side.mail.send('welcome', 'alice@example.com', { displayName: 'Alice <3' });
    await sink.waitUntil((messages) =>
      messages.some((mail) => mail.to && JSON.stringify(mail.to).includes('alice@')),
    );
    const mail = sink.messages.find((message) => JSON.stringify(message.to).includes('alice@'))!;
    const row = await eventually(async () => {
      const found = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id } });
      expect(found.status).toBe('sent');
      return found;
    });

    expect(mail.subject).toBe('Welcome to Event Planner, Alice <3');
    expect(mail.messageId).toBe(row.messageId);
    expect(mail.from?.text).toContain('no-reply@localhost');
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    expect(to?.value.map((entry) => entry.address)).toEqual(['alice@example.com']);
    // HTML escaped in the HTML part, verbatim in the text part.
    expect(mail.html).toContain('Welcome, Alice &lt;3!');
    expect(mail.html).toContain('href="http://localhost:3000/events"');
    expect(mail.html).toContain('href="http://localhost:3000/accounts/profile"');
    expect(mail.text).toContain('Welcome, Alice <3!');
    expect(mail.text).toContain('http://localhost:3000/events');
    expect(mail.text).not.toMatch(/<[a-z]+[ >]/i);
    expect(row).toMatchObject({
      toAddress: 'alice@example.com',
      template: 'welcome',
      attempts: 1,
      lastError: null,
    });
    expect(row.sentAt).toBeInstanceOf(Date);
    expect(row.enqueuedAt).toBeInstanceOf(Date);
  });

  it('records every message of a concurrent batch with its context exactly as given', async () => {
    const tricky = {
      displayName: 'Zoë "Z" O\'Brien, {braces} \\ back\\slash; 日本語 🎉\nsecond line',
      nested: { list: [1, 'two', null, { three: true }], empty: {} },
    };
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        side.mail.send('welcome', `batch-${index}@example.com`, { ...tricky, index }),
      ),
    );
    const rows = await side.prisma.outgoingEmail.findMany({
      where: { id: { in: sent.map((message) => message.id) } },
      orderBy: { toAddress: 'asc' },
    });
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      const index = Number(/batch-(\d+)@/.exec(row.toAddress)![1]);
      expect(row.context).toEqual({ ...tricky, index });
      expect(row).toMatchObject({ template: 'welcome', subject: expect.stringContaining('Zoë') });
      expect(row.createdAt).toBeInstanceOf(Date);
    }
  });

  it('titles the HTML part with the subject recorded at sending, the one of its Subject header', async () => {
    // Recorded with another subject than its template renders now (a deploy changed the template
    // while the message waited): the header and the HTML title still agree.
    const { id } = await side.prisma.$transaction(async (tx) => {
      const sent = await side.mail.send('welcome', 'titled@example.com', { displayName: 'Tia' }, { tx });
      await tx.outgoingEmail.update({ where: { id: sent.id }, data: { subject: 'Recorded subject' } });
      return sent;
    });
    await sink.waitUntil((messages) => messages.some((mail) => JSON.stringify(mail.to).includes('titled@')));
    const mail = sink.messages.find((message) => JSON.stringify(message.to).includes('titled@'))!;
    expect(mail.messageId).toBe(`<${id}@localhost>`);
    expect(mail.subject).toBe('Recorded subject');
    expect(mail.html).toContain('<title>Recorded subject</title>');
  });

  it('records the message in the caller’s transaction: committed → sent, rolled back → nothing', async () => {
    const committed = await side.prisma.$transaction((tx) =>
      side.mail.send('test', 'committed@example.com', { sentBy: 'a test' }, { tx }),
    );
    let rolledBack = '';
    await expect(
      side.prisma.$transaction(async (tx) => {
        rolledBack = (await side.mail.send('test', 'rolled-back@example.com', {}, { tx })).id;
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('changed its mind');

    await sink.waitUntil((messages) =>
      messages.some((mail) => JSON.stringify(mail.to).includes('committed@')),
    );
    await eventually(async () =>
      expect((await side.prisma.outgoingEmail.findUnique({ where: { id: committed.id } }))?.status).toBe(
        'sent',
      ),
    );
    expect(await side.prisma.outgoingEmail.count({ where: { toAddress: 'rolled-back@example.com' } })).toBe(
      0,
    );
    // Never queued, and with the queue drained nothing is left that could still deliver it.
    expect(await side.queue.getJob(rolledBack)).toBeNull();
    await queueDrained(side.queue);
    expect(sink.messages.some((mail) => JSON.stringify(mail.to).includes('rolled-back@'))).toBe(false);
  });

  it('a worker starting up queues at once what was left unqueued while none was running', async () => {
    const id = randomUUID();
    // Recorded a minute ago, never queued (Redis was down and no worker ran since).
    await side.prisma.$executeRaw`
      INSERT INTO outgoing_emails (id, to_address, template, subject, context, message_id, created_at, updated_at)
      VALUES (${id}::uuid, 'left-behind@example.com', 'test', 'Left behind', '{}', ${`<${id}@localhost>`},
              now() - interval '1 minute', now() - interval '1 minute')`;
    const late = await startWorker({ SMTP_URL: sink.url, MAIL_RELAY_INTERVAL_MS: '600000' });
    try {
      await sink.waitUntil(
        (messages) => messages.some((mail) => JSON.stringify(mail.to).includes('left-behind@')),
        15_000,
      );
    } finally {
      await late.stop();
    }
  });

  it('queues a message sent in a transaction only when it commits, then at once', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let sentId = '';
    const transaction = side.prisma.$transaction(
      async (tx) => {
        sentId = (await side.mail.send('test', 'on-commit@example.com', {}, { tx })).id;
        await held;
      },
      { timeout: 20_000 },
    );
    await eventually(() => expect(sentId).not.toBe(''));
    // A message sent after it, outside any transaction, goes all the way through: had the first
    // been queued before its commit, it would be in Redis (or delivered) by now.
    await side.mail.send('test', 'control@example.com', {});
    await sink.waitUntil((messages) => messages.some((mail) => JSON.stringify(mail.to).includes('control@')));
    // Still open: no job in Redis, nothing delivered.
    expect(await side.queue.getJob(sentId)).toBeNull();
    expect(sink.messages.some((mail) => JSON.stringify(mail.to).includes('on-commit@'))).toBe(false);

    release();
    await transaction;
    const committedAt = Date.now();
    await sink.waitUntil(
      (messages) => messages.some((mail) => JSON.stringify(mail.to).includes('on-commit@')),
      10_000,
    );
    expect(Date.now() - committedAt).toBeLessThan(3_000);
    const row = await eventually(async () => {
      const found = await side.prisma.outgoingEmail.findUniqueOrThrow({ where: { id: sentId } });
      expect(found.status).toBe('sent');
      return found;
    });
    expect(row).toMatchObject({ attempts: 1, enqueuedAt: expect.any(Date) });
  });

  it.each([
    ['an invalid address', 'welcome', 'not-an-address', 'to', /not a valid e-mail address/],
    ['an empty address', 'welcome', '', 'to', /not a valid e-mail address/],
    [
      'an unknown template',
      'no-such-template',
      'bob@example.com',
      'template',
      /unknown e-mail template "no-such-template"/,
    ],
    [
      'a template name leaving views/emails',
      '../layout',
      'bob@example.com',
      'template',
      /unknown e-mail template/,
    ],
  ])(
    'rejects %s with a clear error and records or queues nothing',
    async (_case, template, to, field, message) => {
      const before = { rows: await side.prisma.outgoingEmail.count(), jobs: await side.queue.count() };
      const error = await side.mail.send(template, to, {}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MailInputError);
      const inputError = error as MailInputError;
      expect(inputError.getStatus()).toBe(400);
      expect(inputError.errors[field]?.join(' ')).toMatch(message);
      expect(inputError.message).toMatch(message);
      expect(await side.prisma.outgoingEmail.count()).toBe(before.rows);
      expect(await side.queue.count()).toBe(before.jobs);
    },
  );
});
