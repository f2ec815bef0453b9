// Which SMTP failures are worth retrying. A 5xx answer or an address the server refuses is
// permanent: retrying only annoys the provider. Everything else (4xx, refused or dropped
// connections, timeouts) is transient: Temporal retries it with backoff.
export interface SmtpFailure { permanent: boolean; reason: string }

interface NodemailerError { responseCode?: number; code?: string; response?: string; message?: string }

export function classifySmtpError(error: unknown): SmtpFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as NodemailerError;
  const reason = (e.response ?? e.message ?? String(error)).slice(0, 500);
  if (typeof e.responseCode === 'number') return { permanent: e.responseCode >= 500, reason };
  // nodemailer refuses a malformed address before talking to the server.
  if (e.code === 'EENVELOPE') return { permanent: true, reason };
  return { permanent: false, reason };
}
