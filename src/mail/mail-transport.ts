import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfig } from '../config/app-config';
import { buildAlternativeMessage, fromHeader, isPlainAddress } from './mime-message';

export interface OutgoingMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
}

/**
 * The SMTP side (worker only): one pooled nodemailer transport on SMTP_URL, as many connections as
 * the worker runs jobs at once. Timeouts are short so a hung server turns into a retry, not a job
 * stuck until its lock expires.
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transporter: Transporter<SMTPPool.SentMessageInfo, SMTPPool.Options>;
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
    this.transporter = nodemailer.createTransport(options);
    this.transporter.on('error', (error: Error) => this.logger.warn(`SMTP pool error: ${error.message}`));
    this.fromHeader = fromHeader(config.values.MAIL_FROM);
    const [sender] = addressparser(config.values.MAIL_FROM, { flatten: true });
    this.envelopeFrom = sender?.address ?? config.values.MAIL_FROM;
  }

  async send(message: OutgoingMessage): Promise<void> {
    // Composed into one buffer first: streamed straight to the socket, nodemailer's MIME tree makes
    // one write per small chunk. The common case (a plain address) is assembled without the tree.
    // The Message-ID is fixed per message (stored with it), so a redelivery is recognisable.
    const raw = isPlainAddress(message.to)
      ? buildAlternativeMessage({ ...message, fromHeader: this.fromHeader })
      : await new MailComposer({ ...message, from: this.config.values.MAIL_FROM }).compile().build();
    await this.transporter.sendMail({ envelope: { from: this.envelopeFrom, to: [message.to] }, raw });
  }

  onModuleDestroy(): void {
    this.transporter.close();
  }
}
