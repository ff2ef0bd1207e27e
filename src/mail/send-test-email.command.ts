import { NestFactory } from '@nestjs/core';
import { Command, CommandRunner, Option } from 'nest-commander';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { MailContextModule } from './mail-context.module';
import { MailInputError } from './mail-input.error';
import { MailService } from './mail.service';

/** How long the command waits for PostgreSQL before giving up (a container restarting, say). */
const DATABASE_WAIT_MS = 60_000;

interface SendTestEmailOptions {
  wait?: number;
}

/**
 * `sendtestemail <address...>` (Django's sendtestemail), through the real path: recorded and queued
 * like any e-mail, delivered by a worker. `--wait` follows it to `sent` or `failed`. It boots the
 * mail context (database, Redis) only when it runs, so other commands stay light.
 */
@Command({
  name: 'sendtestemail',
  arguments: '<address...>',
  description: 'Send a test e-mail to each address through the queue and the worker',
})
export class SendTestEmailCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(addresses: string[], options: SendTestEmailOptions): Promise<void> {
    const app = await NestFactory.createApplicationContext(MailContextModule.forRoot(this.config), {
      logger: ['error', 'warn'],
      abortOnError: false,
    });
    try {
      await app
        .get(PrismaService)
        .waitUntilReachable(DATABASE_WAIT_MS, (error) =>
          console.log(`${error.message}; retrying for up to ${DATABASE_WAIT_MS / 1_000} s…`),
        );
      const mail = app.get(MailService);
      const ids: Array<[string, string]> = [];
      for (const address of addresses) {
        try {
          const { id } = await mail.send('test', address, { sentBy: 'the sendtestemail command' });
          ids.push([address, id]);
          console.log(`Queued a test e-mail to ${address} (id ${id}).`);
        } catch (error) {
          if (!(error instanceof MailInputError)) throw error;
          throw new Error(error.message);
        }
      }
      if (options.wait) await this.follow(app.get(PrismaService), ids, options.wait);
      else
        console.log(
          'A worker delivers it (npm run dev, or npm run start:worker); --wait <seconds> to follow it.',
        );
    } finally {
      await app.close();
    }
  }

  private async follow(prisma: PrismaService, ids: Array<[string, string]>, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1_000;
    const pending = new Map(ids);
    while (pending.size && Date.now() < deadline) {
      const rows = await prisma.outgoingEmail.findMany({ where: { id: { in: [...pending.values()] } } });
      for (const row of rows) {
        if (row.status === 'sent')
          console.log(`Delivered to ${row.toAddress} (Message-ID ${row.messageId}).`);
        if (row.status === 'failed') console.log(`Failed for ${row.toAddress}: ${row.lastError}`);
        if (row.status === 'sent' || row.status === 'failed') pending.delete(row.toAddress);
      }
      if (pending.size) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (pending.size) {
      throw new Error(
        `Not delivered within ${seconds} s: ${[...pending.keys()].join(', ')} (is a worker running? see the admin's e-mail log)`,
      );
    }
  }

  @Option({ flags: '--wait <seconds>', description: 'Wait up to this long for delivery and report it' })
  parseWait(value: string): number {
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--wait needs a number of seconds');
    return seconds;
  }
}
