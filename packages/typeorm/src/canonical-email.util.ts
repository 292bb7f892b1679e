/**
 * The form emails are stored and compared in: Unicode NFC, then lower case. Two addresses that differ only in case
 * are one account, and the unique index on the column enforces it even under concurrent registrations.
 */
export function canonicalEmail(email: string): string {
  return email.normalize('NFC').toLowerCase();
}
