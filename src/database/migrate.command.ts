import { Command, CommandRunner, Option } from 'nest-commander';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS_DIR } from '../paths';
import { ensureDatabase, Migrator } from './migrator';

interface MigrateOptions {
  status?: boolean;
}

@Command({ name: 'migrate', description: 'Create the database if missing and apply pending migrations' })
export class MigrateCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: MigrateOptions): Promise<void> {
    const url = this.config.values.DATABASE_URL;
    const migrator = new Migrator(url, MIGRATIONS_DIR, (line) => console.log(line));
    if (options.status) {
      const { applied, pending } = await migrator.status();
      console.log(
        `${applied.length} applied, ${pending.length} pending${pending.length ? `: ${pending.join(', ')}` : ''}`,
      );
      return;
    }
    if (await ensureDatabase(url)) console.log(`Created database ${new URL(url).pathname.slice(1)}`);
    const applied = await migrator.migrate();
    console.log(applied.length ? `Applied ${applied.length} migration(s).` : 'No pending migrations.');
  }

  @Option({ flags: '--status', description: 'List applied and pending migrations; change nothing' })
  parseStatus(): boolean {
    return true;
  }
}
