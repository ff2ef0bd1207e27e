import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfig } from '../config/app-config';

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
  }

  async send(message: OutgoingMessage): Promise<void> {
    // Composed into one buffer first: streamed straight to the socket, nodemailer's MIME tree makes
    // one write per small chunk, which was most of the worker's CPU time under load.
    const raw = await new MailComposer({
      from: this.config.values.MAIL_FROM,
      to: message.to,
      subject: message.subject,
      html: message.html,
      text: message.text,
      // Fixed per message (stored with it), so a redelivery after a crash is recognisable.
      messageId: message.messageId,
    })
      .compile()
      .build();
    await this.transporter.sendMail({ from: this.config.values.MAIL_FROM, to: message.to, raw });
  }

  onModuleDestroy(): void {
    this.transporter.close();
  }
}
