/**
 * What the Require… decorators (auth.decorators.ts) record on a route and AccessGuard enforces:
 * both import this, so neither imports the other for it.
 */
export const ACCESS_REQUIREMENTS = 'accounts:requirements';

export type AccessRequirement =
  | { kind: 'login' }
  | { kind: 'verified' }
  | { kind: 'staff' }
  | { kind: 'superuser' }
  | { kind: 'permission'; codename: string }
  /** `anonymous`: a request without a token passes as nobody (a token sent must still be valid). */
  | { kind: 'apiToken'; anonymous?: boolean };

/** The metadata key of one requirement: the same requirement twice on a route counts once. */
export function requirementKey(value: AccessRequirement): string {
  const name = value.kind === 'permission' ? `permission:${value.codename}` : value.kind;
  return `${ACCESS_REQUIREMENTS}:${name}`;
}
