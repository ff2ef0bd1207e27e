import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { cliConfig } from './cli/check.command';
import { CliModule } from './cli/cli.module';

async function bootstrap(): Promise<void> {
  // `check --deploy` lists configuration errors as problems instead of refusing to start.
  const config = cliConfig();
  await CommandFactory.run(CliModule.forRoot(config), {
    logger: ['error', 'warn'],
    errorHandler: (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
    serviceErrorHandler: (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  });
}

void bootstrap();
