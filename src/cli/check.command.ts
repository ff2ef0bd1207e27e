import Redis from 'ioredis';
import { Command, CommandRunner, Option } from 'nest-commander';
import { AppConfig, loadConfigOrExit } from '../config/app-config';
import { Migrator } from '../database/migrator';
import { MIGRATIONS_DIR } from '../paths';
import { deployProblems, relaxedConfig } from './deploy-checks';

interface CheckOptions {
  deploy?: boolean;
}

/**
 * The configuration `npm run cli` starts with. `check --deploy` reports configuration errors as
 * problems instead of refusing to start, so it needs the configuration even when invalid.
 */
export function cliConfig(argv = process.argv): AppConfig {
  if (argv[2] !== 'check') return loadConfigOrExit();
  const config = relaxedConfig(process.env);
  if (config) return config;
  loadConfigOrExit(); // prints one line per invalid variable and exits
  throw new Error('unreachable');
}

@Command({
  name: 'check',
  description:
    'Check the installation (database reachable and migrated, Redis reachable); ' +
    '--deploy: refuse an unsafe production configuration',
})
export class CheckCommand extends CommandRunner {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: CheckOptions): Promise<void> {
    const problems = options.deploy ? deployProblems(process.env) : await this.serviceProblems();
    if (problems.length === 0) {
      console.log(`System check identified no issues${options.deploy ? ' (deploy)' : ''}.`);
      return;
    }
    for (const problem of problems) process.stderr.write(`${problem}\n`);
    process.exitCode = 1;
  }

  @Option({ flags: '--deploy', description: 'Check the configuration for production' })
  parseDeploy(): boolean {
    return true;
  }

  private async serviceProblems(): Promise<string[]> {
    const problems: string[] = [];
    const { DATABASE_URL, REDIS_URL } = this.config.values;
    try {
      const { pending } = await new Migrator(DATABASE_URL, MIGRATIONS_DIR).status();
      if (pending.length) {
        problems.push(`DATABASE_URL: ${pending.length} pending migration(s); run: npm run cli -- migrate`);
      }
    } catch (error) {
      problems.push(`DATABASE_URL: ${(error as Error).message}`);
    }
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      problems.push(`REDIS_URL: ${(error as Error).message}`);
    } finally {
      redis.disconnect();
    }
    return problems;
  }
}
