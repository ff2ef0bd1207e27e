import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { AccountsService } from './accounts.service';
import { toSessionUser, type SessionUser } from './session-user';

/** Passport's local strategy: e-mail + password from the log-in form. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly accounts: AccountsService) {
    super({ usernameField: 'email', passwordField: 'password' });
  }

  async validate(email: string, password: string): Promise<SessionUser | false> {
    const user = await this.accounts.authenticate(email, password);
    return user ? toSessionUser(user) : false;
  }
}
