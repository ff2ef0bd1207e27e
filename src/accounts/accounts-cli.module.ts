import { Module } from '@nestjs/common';
import { PrismaModule } from '../prisma/prisma.module';
import { BypassQuestion, CreateSuperuserCommand, CreateSuperuserQuestions } from './createsuperuser.command';
import { PasswordService } from './passwords';
import { SuperuserService } from './superuser.service';

/** Accounts management commands: only the database, no Redis or queues. */
@Module({
  imports: [PrismaModule],
  providers: [
    PasswordService,
    SuperuserService,
    CreateSuperuserCommand,
    CreateSuperuserQuestions,
    BypassQuestion,
  ],
})
export class AccountsCliModule {}
