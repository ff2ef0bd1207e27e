import { Module } from '@nestjs/common';
import { BackupService } from './backup.service';
import { DbBackupCommand } from './dbbackup.command';
import { DbRestoreCommand } from './dbrestore.command';
import { PostgresClientTools } from './postgres-client-tools';

/**
 * `dbbackup` and `dbrestore`. Like `migrate`, they need only the configuration (no Prisma, no
 * Redis): a restore is what runs on a server that has nothing else yet.
 */
@Module({ providers: [PostgresClientTools, BackupService, DbBackupCommand, DbRestoreCommand] })
export class BackupsCliModule {}
