import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** A keyed, truncated digest of a password hash: reveals nothing, changes whenever the password does. */
export function passwordFingerprint(key: KeyObject, hashedPassword: string): string {
  return createHmac('sha256', key).update(hashedPassword).digest().subarray(0, 16).toString('base64url');
}

/** Constant-time comparison of a claimed fingerprint (any value a token carried) with the expected one. */
export function fingerprintsEqual(claimed: unknown, expected: string): boolean {
  if (typeof claimed !== 'string') return false;
  const a = Buffer.from(claimed);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
