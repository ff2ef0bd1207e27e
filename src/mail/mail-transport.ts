import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfig } from '../config/app-config';
import { buildAlternativeMessage, fromHeader, isPlainAddress } from './mime-message';

export interface OutgoingMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** More header lines (List-Unsubscribe …). */
  headers?: Array<[string, string]>;
  /** Images the HTML shows by Content-ID (`cid:…`), e.g. a ticket's QR code. */
  inlineImages?: InlineImage[];
  /** The bodies carry secrets (one-time links): nothing of them is remembered past this message. */
  confidential?: boolean;
}

export interface InlineImage {
  cid: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

/** A message as nodemailer's transports take it (`transport.send(mail, callback)`). */
type TransportMail = Parameters<SMTPPool['send']>[0];

/**
 * The SMTP side (worker only): nodemailer's SMTP pool on SMTP_URL, as many connections as the
 * worker runs jobs at once. Timeouts are short so a hung server turns into a retry, not a job
 * stuck until its lock expires.
 *
 * Messages go to the pool through nodemailer's transport interface, `send(mail, callback)`, with
 * the finished bytes, rather than through its Mailer (`sendMail`): for a prebuilt `raw` message the
 * Mailer still wraps it in a MIME node (a random boundary and Message-ID), parses the envelope's
 * addresses again and streams it through a pipeline (an AbortController and a DOMException per
 * message) — about an eighth of the worker's CPU per e-mail. The pool (connections, reconnects,
 * requeues) is nodemailer's own.
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly logger = new Logger(MailTransport.name);
  private readonly pool: SMTPPool;
  private readonly fromHeader: string;
  /** MAIL FROM: the bare address of MAIL_FROM. */
  private readonly envelopeFrom: string;

  constructor(private readonly config: AppConfig) {
    const options: SMTPPool.Options = {
      url: config.values.SMTP_URL,
      pool: true,
      maxConnections: config.values.WORKER_CONCURRENCY,
      maxMessages: Infinity,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    };
    this.pool = new SMTPPool(options);
    this.pool.on('error', (error: Error) => this.logger.warn(`SMTP pool error: ${error.message}`));
    this.fromHeader = fromHeader(config.values.MAIL_FROM);
    const [sender] = addressparser(config.values.MAIL_FROM, { flatten: true });
    this.envelopeFrom = sender?.address ?? config.values.MAIL_FROM;
  }

  async send(message: OutgoingMessage): Promise<void> {
    // Composed into one buffer first: streamed straight to the socket, nodemailer's MIME tree makes
    // one write per small chunk. The common case (a plain address) is assembled without the tree.
    // The Message-ID is fixed per message (stored with it), so a redelivery is recognisable.
    // Inline images need a multipart/related part: nodemailer's composer builds that tree.
    const images = message.inlineImages ?? [];
    const raw =
      isPlainAddress(message.to) && !images.length
        ? buildAlternativeMessage({ ...message, fromHeader: this.fromHeader })
        : await new MailComposer({
            to: message.to,
            subject: message.subject,
            html: message.html,
            text: message.text,
            messageId: message.messageId,
            headers: (message.headers ?? []).map(([key, value]) => ({ key, value })),
            from: this.config.values.MAIL_FROM,
            attachments: images.map((image) => ({ ...image, contentDisposition: 'inline' as const })),
          })
            .compile()
            .build();
    const envelope = { from: this.envelopeFrom, to: [message.to] };
    // What the Mailer would hand the pool: the envelope, the Message-ID, and the bytes afresh each
    // time the pool (re)sends it.
    const mail = {
      data: {},
      message: {
        getEnvelope: () => envelope,
        messageId: () => message.messageId,
        getHeader: (name: string) => (name.toLowerCase() === 'message-id' ? message.messageId : undefined),
        createReadStream: () => new MessageBytes(raw),
      },
    } as unknown as TransportMail;
    await new Promise<void>((resolve, reject) =>
      this.pool.send(mail, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  onModuleDestroy(): void {
    this.pool.close();
  }
}

/**
 * The finished message as the pool's SMTP connection takes it: once the server accepted DATA, the
 * connection pipes it into its dot-stuffing stream (`message.pipe(stream)`), which writes to the
 * socket. A Readable stream of one buffer did the same through a stream's machinery (construct,
 * push, pipe, flow, end: listeners and ticks per message); this writes the buffer and ends.
 *
 * `readableDidRead` is what the pool reads when a reused connection fails: false (not a byte sent,
 * e.g. the server had closed it in the meantime) and the message goes out over another connection;
 * true once piped, as for a stream that started flowing. It has no `on` or `destroy`: nothing of it
 * can fail or needs releasing.
 */
class MessageBytes {
  readableDidRead = false;

  constructor(private readonly bytes: Buffer) {}

  pipe<Destination extends NodeJS.WritableStream>(destination: Destination): Destination {
    this.readableDidRead = true;
    destination.end(this.bytes);
    return destination;
  }
}
