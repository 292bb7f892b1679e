import { canonicalEmailOrNull } from '../email/canonical-email.js';

/**
 * The form of an email that rate-limit counters are keyed by: the canonical form every lookup uses, so no spelling
 * that reaches one account (case, fullwidth look-alikes, a Unicode domain) multiplies an attacker's allowance. An
 * address no account can hold has no per-email counter; the per-address one still applies.
 */
export function rateLimitEmailKey(email: unknown): string | undefined {
  return typeof email === 'string' ? (canonicalEmailOrNull(email) ?? undefined) : undefined;
}
