/** Log paths whose values are replaced by "[redacted]" (pino redact syntax). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'password',
  'passwordHash',
  'token',
  'secret',
  '*.password',
  '*.passwordHash',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.secret',
  '*.apiKey',
];

// One-time tokens travel in URL paths (/accounts/verify-email/<token>) and query strings.
const TOKEN_IN_PATH = /(\/(?:verify-email|password-reset|tokens?)\/)[^/?#]+/g;
const SECRET_IN_QUERY = /([?&](?:token|key|secret|password|code)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_IN_PATH, '$1[redacted]').replace(SECRET_IN_QUERY, '$1[redacted]');
}
