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
      // Commander has already printed its own outcome (the help, "unknown command 'x'"): exit with
      // its code (0 after --help), without repeating the message.
      if (isCommanderError(error)) process.exit(error.exitCode);
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
    serviceErrorHandler: (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  });
}

/** Commander's own errors (CommanderError: `commander.helpDisplayed`, `commander.unknownCommand`…). */
function isCommanderError(error: Error): error is Error & { code: string; exitCode: number } {
  const { code, exitCode } = error as Error & { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

void bootstrap();
