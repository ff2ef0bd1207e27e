import { Command, CommandRunner, Option } from 'nest-commander';
import { BackupService, type BackupOptions } from './backup.service';

@Command({
  name: 'dbbackup',
  description:
    'Back up the database with pg_dump (custom format) to a timestamped file in BACKUP_DIR, ' +
    'or to --output <file|folder|->',
})
export class DbBackupCommand extends CommandRunner {
  constructor(private readonly backups: BackupService) {
    super();
  }

  async run(_args: string[], options: BackupOptions): Promise<void> {
    const result = await this.backups.backup(options);
    const where = result.file ?? 'standard output';
    const removed = result.removed.length ? `; removed ${result.removed.length} older backup(s)` : '';
    const line =
      `Backed up ${result.database} to ${where} (${megabytes(result.bytes)}, ` +
      `${seconds(result.milliseconds)})${removed}.\n`;
    // With --output -, standard output is the backup itself.
    (result.file ? process.stdout : process.stderr).write(line);
  }

  @Option({ flags: '-o, --output <path>', description: 'A file, a folder, or - for standard output' })
  parseOutput(value: string): string {
    return value;
  }

  @Option({
    flags: '--keep <count>',
    description: "Keep this many newest backups in the folder; delete this database's older ones",
  })
  parseKeep(value: string): number {
    const count = Number(value);
    if (!Number.isInteger(count) || count < 1) throw new Error('--keep must be a whole number of at least 1');
    return count;
  }

  @Option({
    flags: '--compress <level>',
    description:
      "pg_dump's compression: 0 (none) to 9, or method[:level] with PostgreSQL 16+ (zstd, lz4, gzip)",
  })
  parseCompress(value: string): string {
    return value;
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

export function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}
