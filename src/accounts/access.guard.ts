import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { message } from '../i18n/translator';
import { bearerToken } from '../web/bearer-token';
import { ACCESS_REQUIREMENTS, type AccessRequirement } from './access-requirements';
import { ApiTokensService } from './api-tokens.service';
import { PermissionsService } from './permissions.service';
import { loginUrl } from './next-url';
import { clientIp } from './render';

/**
 * Enforces the Require… decorators. Nest builds it in the module of each controller using them,
 * which therefore imports AccountsModule (for the two services below): checked at boot.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly apiTokens: ApiTokensService,
    private readonly permissions: PermissionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirements = this.requirementsOf(context);
    if (!requirements.length) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const api = requirements.some((r) => r.kind === 'apiToken') || req.path.startsWith('/api');

    const tokenRequirement = requirements.find((r) => r.kind === 'apiToken');
    if (tokenRequirement) {
      const token = bearerToken(req);
      if (!token && tokenRequirement.anonymous && requirements.length === 1) {
        // The API never authenticates by cookie (its routes are CSRF-exempt for that reason).
        req.user = undefined;
        return true;
      }
      const outcome = token ? await this.apiTokens.authenticate(token, clientIp(req.ip)) : undefined;
      if (outcome && 'refused' in outcome && outcome.refused === 'throttled') {
        res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
        throw new HttpException(
          message('accounts.access.apiTokensThrottled', { seconds: outcome.retryAfterSeconds }),
          HttpStatus.TOO_MANY_REQUESTS,
        );
      }
      if (!outcome || !('user' in outcome)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="api"');
        throw new UnauthorizedException(message('accounts.access.apiTokenRequired'));
      }
      req.user = outcome.user;
    }

    const user = req.user;
    if (!user) {
      if (api) throw new UnauthorizedException(message('accounts.access.authenticationRequired'));
      // Only GETs come back to where they were; a POST would replay without its form.
      res.redirect(303, loginUrl(req.method === 'GET' ? req.originalUrl : undefined));
      return false;
    }
    for (const requirement of requirements) {
      const problem = await this.check(requirement, user);
      if (problem) throw new ForbiddenException(problem);
    }
    return true;
  }

  private async check(requirement: AccessRequirement, user: Express.User): Promise<string | undefined> {
    switch (requirement.kind) {
      case 'login':
      case 'apiToken':
        return undefined;
      case 'verified':
        return user.emailVerifiedAt ? undefined : message('accounts.access.verifyFirst');
      case 'staff':
        return user.isStaff ? undefined : message('accounts.access.staffOnly');
      case 'superuser':
        return user.isSuperuser ? undefined : message('accounts.access.superuserOnly');
      case 'permission':
        return (await this.permissions.hasPermission(user, requirement.codename))
          ? undefined
          : message('accounts.access.missingPermission', { codename: requirement.codename });
    }
  }

  private requirementsOf(context: ExecutionContext): AccessRequirement[] {
    const found = new Map<string, AccessRequirement>();
    for (const target of [context.getClass(), context.getHandler()]) {
      for (const metadataKey of Reflect.getMetadataKeys(target) as unknown[]) {
        if (typeof metadataKey === 'string' && metadataKey.startsWith(`${ACCESS_REQUIREMENTS}:`)) {
          found.set(metadataKey, Reflect.getMetadata(metadataKey, target) as AccessRequirement);
        }
      }
    }
    return [...found.values()];
  }
}
