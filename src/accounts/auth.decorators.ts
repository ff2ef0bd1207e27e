import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { AccessGuard } from './access.guard';
import { requirementKey, type AccessRequirement } from './access-requirements';
import type { SessionUser } from './session-user';

export const CSRF_EXEMPT = 'accounts:csrf-exempt';

/**
 * Requirements add up: on a controller and on a method, or several on one method, all must hold.
 * Pages: anonymous visitors are redirected to `/accounts/login?next=…`, signed-in users who are
 * not allowed get 403. Under `/api` (or with RequireApiToken): 401/403 problem+json. The module
 * of a controller using them imports AccountsModule (AccessGuard's services).
 */
function requirement(value: AccessRequirement): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(requirementKey(value), value), UseGuards(AccessGuard));
}

/** Signed in (any active user). */
export const RequireLogin = () => requirement({ kind: 'login' });
/** Signed in with a verified e-mail address. */
export const RequireVerified = () => requirement({ kind: 'verified' });
/** Signed in as staff (may use the admin). */
export const RequireStaff = () => requirement({ kind: 'staff' });
/** Signed in as a superuser. */
export const RequireSuperuser = () => requirement({ kind: 'superuser' });
/** Signed in with `<model>.<action>`, directly or through a group (superusers have every one). */
export const RequirePermission = (codename: string) => requirement({ kind: 'permission', codename });
/**
 * Authenticated by `Authorization: Bearer <API token>` (never by the session cookie); sets
 * req.user. 401 problem+json otherwise. Combine with the others (e.g. RequirePermission).
 */
export const RequireApiToken = () => requirement({ kind: 'apiToken' });
/**
 * On a method of a RequireApiToken controller: callers without a token pass too, as nobody
 * (req.user undefined, whatever session cookie they send); a token that is sent must be valid.
 */
export const AllowAnonymousApi = () => requirement({ kind: 'apiToken', anonymous: true });

/** Skips the CSRF check for a route whose callers cannot send the token (use sparingly; say why). */
export const CsrfExempt = () => SetMetadata(CSRF_EXEMPT, true);

/** The signed-in SessionUser (undefined on routes without a Require… decorator and no session). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SessionUser | undefined =>
    context.switchToHttp().getRequest<Request>().user,
);
