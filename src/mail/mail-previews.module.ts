import { Module } from '@nestjs/common';
import { MailModule } from './mail.module';
import { MailPreviewsController } from './mail-previews.controller';

/** The web's development-only e-mail previews (/dev/emails; 404 in production). */
@Module({ imports: [MailModule], controllers: [MailPreviewsController] })
export class MailPreviewsModule {}
