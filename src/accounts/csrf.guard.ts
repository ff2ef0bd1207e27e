import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { CSRF_EXEMPT } from './auth.decorators';
import { CsrfService, isBearerApiRequest, SAFE_METHODS } from './csrf.service';

export const CSRF_FAILURE_MESSAGE =
  'The form’s security token is missing or has expired (CSRF check failed). Go back, reload the page and try again.';

/**
 * Global guard (registered by AccountsModule): every POST/PUT/PATCH/DELETE handled by a Nest route
 * needs a valid CSRF token, unless it is a bearer-token API call or the route is @CsrfExempt().
 * Runs after the body parser (unlike an Express middleware), and failures go through the error
 * filter: a 403 page, or problem+json under /api.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly csrf: CsrfService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || isBearerApiRequest(req)) return true;
    if (this.reflector.getAllAndOverride<boolean>(CSRF_EXEMPT, [context.getHandler(), context.getClass()])) {
      return true;
    }
    if (!this.csrf.isValid(req)) throw new ForbiddenException(CSRF_FAILURE_MESSAGE);
    return true;
  }
}
