/**
 * The form of an email that rate-limit counters are keyed by. It must fold every spelling that reaches one account
 * into one key, or varying the spelling multiplies an attacker's allowance.
 *
 * TODO(emails lane): call core's canonical-email function here once it lands; lower case and trim until then.
 */
export function rateLimitEmailKey(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const key = email.trim().toLowerCase();
  return key || undefined;
}
