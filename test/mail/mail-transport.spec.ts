import type { Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { loadConfig } from '../../src/config/app-config';
import { MailTransport, type OutgoingMessage } from '../../src/mail/mail-transport';

/**
 * MailTransport against a real SMTP server (smtp-server, in this process) that keeps each message's
 * bytes and, when told to, drops every connection at its second transaction: what a server does
 * that closes a connection the pool kept open between messages.
 */
class RecordingServer {
  readonly received: Array<{ bytes: Buffer; connection: string }> = [];
  closeSecondTransaction = false;
  private server?: SMTPServer;
  private readonly sockets = new Map<number, Socket>();

  async start(): Promise<string> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onMailFrom: (_address, session: SMTPServerSession, callback) => {
        if (this.closeSecondTransaction && session.transaction > 1) {
          // Gone without a reply, like a connection the server (or a NAT in between) dropped.
          this.sockets.get(session.remotePort)?.destroy();
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.received.push({ bytes: Buffer.concat(chunks), connection: session.id });
          callback();
        });
      },
    });
    this.server.on('error', () => undefined);
    this.server.server.on('connection', (socket: Socket) => this.sockets.set(socket.remotePort!, socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function message(n: number, text = `Hello ${n}\n`): OutgoingMessage {
  return {
    to: `ann-${n}@example.com`,
    subject: `Message ${n}`,
    text,
    html: `<p>${text}</p>`,
    messageId: `<transport-${n}@example.com>`,
  };
}

describe('MailTransport', () => {
  const server = new RecordingServer();
  let transport: MailTransport;

  beforeAll(async () => {
    const url = await server.start();
    // One connection, so the second message reuses the first one's.
    transport = new MailTransport(
      loadConfig({
        ...process.env,
        SMTP_URL: url,
        WORKER_CONCURRENCY: '1',
        MAIL_FROM: 'EP <ep@example.com>',
      }),
    );
  });

  afterAll(async () => {
    transport.onModuleDestroy();
    await server.stop();
  });

  beforeEach(() => {
    server.received.length = 0;
    server.closeSecondTransaction = false;
  });

  it('sends the message whole, a line that starts with a dot included (dot-stuffed on the wire)', async () => {
    const text = 'First line\n.\n.leading dot\n..two dots\nLast line\n';
    await transport.send(message(1, text));
    expect(server.received).toHaveLength(1);
    const parsed = await simpleParser(server.received[0].bytes);
    expect(parsed.messageId).toBe('<transport-1@example.com>');
    expect(parsed.text).toBe(text);
  });

  it('sends a message whose kept-open connection the server closed over a new one, not as a failure', async () => {
    await transport.send(message(2));
    server.closeSecondTransaction = true;
    // The pool reuses the connection; the server drops it at the next transaction, before a byte of
    // the message went out, so the pool must send it again over a new connection.
    await transport.send(message(3));
    expect(
      server.received.map(({ bytes }) => /Message-ID: (\S+)/.exec(bytes.toString('latin1'))?.[1]),
    ).toEqual(['<transport-2@example.com>', '<transport-3@example.com>']);
    expect(server.received[1].connection).not.toBe(server.received[0].connection);
  });
});
