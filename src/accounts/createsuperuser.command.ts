import { Command, CommandRunner, InquirerService, Option, Question, QuestionSet } from 'nest-commander';
import { translateMessage } from '../i18n/translator';
import type { FieldErrors } from '../web/forms';
import { SuperuserService } from './superuser.service';

interface CreateSuperuserOptions {
  email?: string;
  password?: string;
  name?: string;
  input?: boolean;
  skipPasswordValidation?: boolean;
}

export class CreateSuperuserError extends Error {}

@QuestionSet({ name: 'createsuperuser' })
export class CreateSuperuserQuestions {
  @Question({ type: 'input', name: 'email', message: 'E-mail address:' })
  parseEmail(value: string): string {
    return value;
  }

  @Question({ type: 'input', name: 'name', message: 'Name (optional):' })
  parseName(value: string): string {
    return value;
  }

  @Question({ type: 'password', name: 'password', message: 'Password:', mask: '*' })
  parsePassword(value: string): string {
    return value;
  }

  @Question({ type: 'password', name: 'password2', message: 'Password (again):', mask: '*' })
  parsePassword2(value: string): string {
    return value;
  }
}

@QuestionSet({ name: 'createsuperuser-bypass' })
export class BypassQuestion {
  @Question({
    type: 'confirm',
    name: 'bypass',
    message: 'Bypass password validation and create user anyway?',
    default: false,
  })
  parseBypass(value: boolean): boolean {
    return value;
  }
}

/** The messages are catalogue keys (shared with sign-up's forms): a terminal gets them in English. */
function describe(errors: FieldErrors): string {
  return Object.entries(errors)
    .map(
      ([field, messages]) =>
        `Error (${field}): ${messages.map((text) => translateMessage(text, 'en')).join(' ')}`,
    )
    .join('\n');
}

/**
 * `npm run cli -- createsuperuser`: like Django's. Interactive on a terminal; for scripts
 * `--no-input` with `--email`, `--password`, `--name` or the environment variables
 * SUPERUSER_EMAIL, SUPERUSER_PASSWORD, SUPERUSER_NAME (Django's DJANGO_SUPERUSER_* convention; read
 * here because they are inputs to this one command, not application configuration).
 */
@Command({ name: 'createsuperuser', description: 'Create a verified staff superuser' })
export class CreateSuperuserCommand extends CommandRunner {
  constructor(
    private readonly superusers: SuperuserService,
    private readonly inquirer: InquirerService,
  ) {
    super();
  }

  async run(_args: string[], options: CreateSuperuserOptions): Promise<void> {
    const email = options.email ?? process.env.SUPERUSER_EMAIL;
    const password = options.password ?? process.env.SUPERUSER_PASSWORD;
    const name = options.name ?? process.env.SUPERUSER_NAME ?? '';
    const interactive = options.input !== false && process.stdin.isTTY === true && (!email || !password);
    const result = interactive
      ? await this.interactive(email, name, options.skipPasswordValidation)
      : await this.nonInteractive(email, password, name, options.skipPasswordValidation);
    console.log(`Superuser created: ${result}`);
  }

  private async nonInteractive(
    email: string | undefined,
    password: string | undefined,
    name: string,
    skipValidation = false,
  ): Promise<string> {
    const missing = [
      !email && '--email (or SUPERUSER_EMAIL)',
      !password && '--password (or SUPERUSER_PASSWORD)',
    ].filter(Boolean);
    if (missing.length)
      throw new CreateSuperuserError(
        `createsuperuser: missing ${missing.join(' and ')} (non-interactive mode).`,
      );
    const result = await this.superusers.create({
      email: email!,
      password: password!,
      displayName: name,
      skipValidation,
    });
    if (!result.ok) throw new CreateSuperuserError(describe(result.errors));
    return result.user.email;
  }

  private async interactive(
    presetEmail: string | undefined,
    presetName: string,
    skipValidation = false,
  ): Promise<string> {
    for (;;) {
      const answers = await this.inquirer.ask<{
        email: string;
        name: string;
        password: string;
        password2: string;
      }>('createsuperuser', {
        ...(presetEmail ? { email: presetEmail } : {}),
        ...(presetName ? { name: presetName } : {}),
      });
      const emailErrors = await this.superusers.emailProblems(answers.email);
      if (emailErrors) {
        console.error(describe({ email: emailErrors }));
        presetEmail = undefined;
        continue;
      }
      if (answers.password !== answers.password2) {
        console.error("Error: Your passwords didn't match.");
        continue;
      }
      let bypass = skipValidation;
      const problems = this.superusers.passwordProblems(answers.password, {
        email: answers.email,
        displayName: answers.name,
      });
      if (problems.length && !bypass) {
        console.error(problems.join('\n'));
        bypass = (await this.inquirer.ask<{ bypass: boolean }>('createsuperuser-bypass', undefined)).bypass;
        if (!bypass) continue;
      }
      const result = await this.superusers.create({
        email: answers.email,
        password: answers.password,
        displayName: answers.name,
        skipValidation: bypass,
      });
      if (!result.ok) throw new CreateSuperuserError(describe(result.errors));
      return result.user.email;
    }
  }

  @Option({ flags: '--email <email>', description: 'E-mail address (also SUPERUSER_EMAIL)' })
  parseEmail(value: string): string {
    return value;
  }

  @Option({
    flags: '--password <password>',
    description: 'Password (prefer SUPERUSER_PASSWORD: flags show in ps)',
  })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'Display name (also SUPERUSER_NAME)' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--no-input', description: 'Never prompt; fail if something is missing' })
  parseNoInput(): boolean {
    return false;
  }

  @Option({ flags: '--skip-password-validation', description: 'Accept a password the validators reject' })
  parseSkip(): boolean {
    return true;
  }
}
