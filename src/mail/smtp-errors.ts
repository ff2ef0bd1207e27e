/**
 * Whether a delivery error is permanent: the SMTP server refused the message with a 5xx reply
 * (unknown mailbox, rejected as spam, …), so retrying cannot help, as a mail server would judge it.
 * Everything else is temporary and retried on the schedule: 4xx replies (greylisting, a full
 * queue), refused or reset connections, timeouts, DNS and TLS trouble.
 */
export function isPermanentSmtpFailure(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  // A refused log-in (535) is this deployment's configuration, not the message: every message
  // would fail, so they wait (and the warnings say why) until the credentials are fixed.
  if (code === 'EAUTH') return false;
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode <= 599;
}
