import { Module } from '@nestjs/common';
import { PasswordService } from '../accounts/passwords';
import { PrismaModule } from '../prisma/prisma.module';
import { SeedCommand } from './seed.command';

/** Events management commands (`seed`): only the database. */
@Module({ imports: [PrismaModule], providers: [PasswordService, SeedCommand] })
export class EventsCliModule {}
