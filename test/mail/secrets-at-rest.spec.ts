import { ConflictException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { hash } from '@node-rs/argon2';
import { browser, sql, STRONG_PASSWORD, submit, uniqueEmail } from '../accounts/support';
import type { RunningProcess } from '../support/processes';
import { SmtpSink } from '../support/smtp-sink';
import { startWebApp } from '../support/web-app';
import { eventually } from '../support/eventually';
import { startMailSide, startWorker, type MailSide } from './mail-test-support';

/** Every column of every outbox row as text: what someone reading the table or a backup sees. */
async function outboxText(): Promise<string> {
  const rows = await sql<{ row: string }>(`SELECT row_to_json(o)::text AS row FROM outgoing_emails o`);
  return rows.map((r) => r.row).join('\n');
}

function tokenIn(text: string | undefined, path: string): string {
  const match = new RegExp(`${path}([\\w-]{43})`).exec(text ?? '');
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[1];
}

describe('no usable secret at rest: one-time links in the outbox', () => {
  const sink = new SmtpSink();
  let app: NestExpressApplication;
  let side: MailSide;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    await sink.start();
    app = await startWebApp();
    side = await startMailSide();
  });
  afterAll(async () => {
    await worker?.stop();
    await side?.close();
    await app?.close();
    await sink.stop();
  });

  it('reset and verification links are sealed in the table, then erased once sent; the e-mails carry them', async () => {
    const existing = uniqueEmail('reset');
    await sql(
      `INSERT INTO users (email, display_name, password_hash, email_verified_at, updated_at) VALUES ($1, 'R', $2, now(), now())`,
      [existing, await hash(STRONG_PASSWORD)],
    );
    const newcomer = uniqueEmail('signup');
    await submit(browser(app), '/accounts/password-reset', { email: existing });
    await submit(browser(app), '/accounts/signup', {
      email: newcomer,
      displayName: 'N',
      password: STRONG_PASSWORD,
      password2: STRONG_PASSWORD,
    });
    const queued = await sql<{ template: string; context: object; secrets: string; erased: Date | null }>(
      `SELECT template, context, sealed_secrets AS secrets, secrets_erased_at AS erased FROM outgoing_emails ORDER BY template`,
    );
    expect(queued.map((row) => row.template)).toEqual(['password-reset', 'verify-email']);
    for (const row of queued) {
      expect(JSON.stringify(row.context)).not.toMatch(/accounts\/(password-reset|verify-email)\//);
      expect(row.secrets).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(row.erased).toBeNull();
    }
    const atRest = await outboxText();

    // The worker opens the seal to render the messages.
    worker = await startWorker({ SMTP_URL: sink.url });
    await sink.waitUntil((messages) => messages.length >= 2);
    const mailTo = (address: string) =>
      sink.messages.find((mail) => JSON.stringify(mail.to).includes(address));
    const resetToken = tokenIn(mailTo(existing)?.text, '/accounts/password-reset/');
    const verifyToken = tokenIn(mailTo(newcomer)?.html || undefined, '/accounts/verify-email/');
    // Live tokens, found nowhere in the table before or after sending.
    expect(atRest).not.toContain(resetToken);
    expect(atRest).not.toContain(verifyToken);
    await eventually(async () => {
      const rows = await sql<{ status: string }>(`SELECT status FROM outgoing_emails`);
      expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'sent'));
    });
    const sent = await sql<{ secrets: string | null; erased: Date | null }>(
      `SELECT sealed_secrets AS secrets, secrets_erased_at AS erased FROM outgoing_emails`,
    );
    expect(sent.every((row) => row.secrets === null && row.erased instanceof Date)).toBe(true);
    const afterSending = await outboxText();
    expect(afterSending).not.toContain(resetToken);
    expect(afterSending).not.toContain(verifyToken);
    // The link in the e-mail works.
    expect((await browser(app).get(`/accounts/password-reset/${resetToken}`)).status).toBe(200);
    await worker.stop();
    worker = undefined;
  });

  it('a message that fails for good loses its secrets too, and cannot be retried without them', async () => {
    // No worker runs now: the failure is recorded as the processor records one.
    const { id } = await side.mail.send(
      'password-reset',
      'gone@example.com',
      { displayName: 'G', expiresInHours: 2 },
      { secrets: { resetPath: '/accounts/password-reset/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' } },
    );
    await sql(`UPDATE outgoing_emails SET status = 'failed', last_error = 'SMTP down' WHERE id = $1`, [id]);
    const [row] = await sql<{ secrets: string | null; erased: Date | null }>(
      `SELECT sealed_secrets AS secrets, secrets_erased_at AS erased FROM outgoing_emails WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ secrets: null, erased: expect.any(Date) });
    await expect(side.mail.retry(id)).rejects.toThrow(ConflictException);
    await expect(side.mail.retry(id)).rejects.toThrow(/one-time link/);
  });
});
