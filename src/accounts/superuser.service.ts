import { Injectable } from '@nestjs/common';
import { Prisma, type User } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { FieldErrors } from '../web/forms';
import { emailProblem, normalizeEmail } from './email';
import { PasswordService } from './passwords';

export type SuperuserResult = { ok: true; user: User } | { ok: false; errors: FieldErrors };

/** `createsuperuser`: needs only the database (no queues, no mail), so the CLI stays light. */
@Injectable()
export class SuperuserService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly passwords: PasswordService,
  ) {}

  /** Problems with the e-mail address (format, or already taken), or undefined. */
  async emailProblems(rawEmail: string): Promise<string[] | undefined> {
    const email = normalizeEmail(rawEmail) as string;
    const problem = emailProblem(email);
    if (problem) return [problem];
    if (await this.prisma.user.findUnique({ where: { email } })) {
      return [`A user with the e-mail address ${email} already exists.`];
    }
    return undefined;
  }

  passwordProblems(password: string, owner: { email: string; displayName: string }): string[] {
    if (!password) return ['Enter a password.'];
    return this.passwords.validate(password, {
      email: normalizeEmail(owner.email) as string,
      displayName: owner.displayName,
    });
  }

  /**
   * A verified, active staff superuser. Runs the password validators unless `skipValidation`
   * (Django's "Bypass password validation and create user anyway?").
   */
  async create(input: {
    email: string;
    password: string;
    displayName?: string;
    skipValidation?: boolean;
  }): Promise<SuperuserResult> {
    const email = normalizeEmail(input.email) as string;
    const displayName = (input.displayName ?? '').trim();
    const errors: FieldErrors = {};
    const emailErrors = await this.emailProblems(email);
    if (emailErrors) errors.email = emailErrors;
    if (displayName.length > 150) errors.name = ['Enter at most 150 characters.'];
    const passwordErrors = input.skipValidation
      ? input.password
        ? []
        : ['Enter a password.']
      : this.passwordProblems(input.password, { email, displayName });
    if (passwordErrors.length) errors.password = passwordErrors;
    if (Object.keys(errors).length) return { ok: false, errors };
    try {
      const user = await this.prisma.user.create({
        data: {
          email,
          displayName,
          passwordHash: await this.passwords.hash(input.password),
          isStaff: true,
          isSuperuser: true,
          emailVerifiedAt: new Date(),
        },
      });
      return { ok: true, user };
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        return { ok: false, errors: { email: [`A user with the e-mail address ${email} already exists.`] } };
      }
      throw error;
    }
  }
}
