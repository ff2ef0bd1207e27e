import { Command, CommandRunner, Option } from 'nest-commander';
import { BackupService } from './backup.service';
import { seconds } from './dbbackup.command';

interface RestoreFlags {
  force?: boolean;
  clean?: boolean;
}

@Command({
  name: 'dbrestore',
  arguments: '<file>',
  description:
    'Restore a dbbackup file (or - for standard input) into the database, then apply pending ' +
    'migrations; refuses a database that is not empty unless --force or --clean',
})
export class DbRestoreCommand extends CommandRunner {
  constructor(private readonly backups: BackupService) {
    super();
  }

  async run([input]: string[], flags: RestoreFlags): Promise<void> {
    const result = await this.backups.restore({ input, ...flags });
    const notes = [
      result.created ? 'created the database' : '',
      result.tablesBefore && flags.force ? `replaced ${result.tablesBefore} tables` : '',
      result.migrations.length
        ? `applied ${result.migrations.length} migration(s): ${result.migrations.join(', ')}`
        : 'no pending migrations',
    ].filter(Boolean);
    console.log(
      `Restored ${result.database} from ${input === '-' ? 'standard input' : input} in ` +
        `${seconds(result.milliseconds)}; ${notes.join('; ')}.`,
    );
  }

  @Option({ flags: '--force', description: 'Replace everything in a non-empty database with the backup' })
  parseForce(): boolean {
    return true;
  }

  @Option({
    flags: '--clean',
    description: 'Drop and recreate the objects the backup contains (others stay)',
  })
  parseClean(): boolean {
    return true;
  }
}
