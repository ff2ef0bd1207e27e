import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export interface Refusal {
  code: number;
  message: string;
}

/**
 * A real SMTP server in the test process (smtp-server) that keeps what it receives, parsed with
 * mailparser. It can refuse everything for a while (`refuseAll`), refuse chosen recipients for good
 * (`refuseRecipient`), or be stopped and started again on the same port (the server is "down").
 */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  port = 0;
  refuseAll?: Refusal;
  private readonly refusedRecipients = new Map<string, Refusal>();
  private server?: SMTPServer;
  private waiters: Array<() => void> = [];

  async start(port = this.port): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 10 * 1024 * 1024,
      onMailFrom: (_address: SMTPServerAddress, _session: SMTPServerSession, callback) => {
        callback(this.refuseAll ? this.error(this.refuseAll) : undefined);
      },
      onRcptTo: (address: SMTPServerAddress, _session: SMTPServerSession, callback) => {
        const refusal = this.refusedRecipients.get(address.address.toLowerCase());
        callback(refusal ? this.error(refusal) : undefined);
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push(mail);
            for (const waiter of this.waiters) waiter();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
    return this.port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  refuseRecipient(address: string, refusal: Refusal = { code: 550, message: 'Mailbox unavailable' }): void {
    this.refusedRecipients.set(address.toLowerCase(), refusal);
  }

  acceptRecipient(address: string): void {
    this.refusedRecipients.delete(address.toLowerCase());
  }

  /** Stops listening and drops open connections (connected clients see the server go away). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Message-ID → how many times it arrived. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const mail of this.messages) {
      const id = mail.messageId ?? '(none)';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Resolves once `predicate` holds (checked on every arrival), rejects after `timeoutMs`. */
  waitUntil(predicate: (messages: ParsedMail[]) => boolean, timeoutMs = 30_000): Promise<void> {
    if (predicate(this.messages)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!predicate(this.messages)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        reject(
          new Error(`SMTP sink: condition not met within ${timeoutMs} ms (${this.messages.length} received)`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private error({ code, message }: Refusal): Error {
    return Object.assign(new Error(message), { responseCode: code });
  }
}
