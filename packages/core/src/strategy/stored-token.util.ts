import { createHash, createSecretKey, randomBytes } from 'node:crypto';
import { findTokenUser } from './user-lookup.util.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { fingerprintsEqual, passwordFingerprint } from './password-fingerprint.util.js';
import type { UserLookup } from './strategy.interface.js';
import type { StoredToken, TokenKind, TokenStore } from './token-store.interface.js';

/** 256 bits from the CSPRNG, base64url (43 characters). */
export function generateOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What a token store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Only our 43-character tokens are looked up: anything else is refused before touching a store. */
export function isOpaqueToken(token: unknown): token is string {
  return typeof token === 'string' && /^[\w-]{43}$/.test(token);
}

/**
 * Binds a stored token to the password hash it was minted from: a keyed fingerprint of the hash (as JWTs' `pfp`),
 * keyed by the token itself. That key is in no store (only the token's SHA-256 is), so a leaked table or dump cannot
 * be matched against password hashes, every row is keyed differently, and there is no secret to configure or rotate:
 * whoever presents the token brings the key.
 */
export function tokenFingerprint(token: string, hashedPassword: string): string {
  return passwordFingerprint(createSecretKey(Buffer.from(token)), hashedPassword);
}

/** What `issueStoredToken` mints. */
export interface StoredTokenGrant {
  kind: TokenKind;
  lifetimeSeconds: number;
  /** The session (refresh family) the token belongs to. */
  family?: string | null;
}

/** A new opaque token of `grant.kind` for `user`, bound to their current password; only its hash is saved. */
export async function issueStoredToken(store: TokenStore, user: UserProtocol<unknown>, grant: StoredTokenGrant): Promise<string> {
  const token = generateOpaqueToken();
  await store.save({
    hash: hashToken(token),
    userId: String(user.id),
    kind: grant.kind,
    family: grant.family ?? null,
    fingerprint: tokenFingerprint(token, user.hashedPassword),
    expiresAt: new Date(Date.now() + grant.lifetimeSeconds * 1000),
  });
  return token;
}

/**
 * The user a stored token belongs to, or `null` when it is not of `kind` (checked here too, whatever the store did),
 * the user is gone, or the user's password is not the one the token was minted from.
 */
export async function userOfStoredToken<U extends UserProtocol<ID>, ID>(
  token: string,
  stored: StoredToken,
  kind: TokenKind,
  users: UserLookup<U, ID>,
): Promise<U | null> {
  if (stored.kind !== kind) return null;
  const user = await findTokenUser(users, stored.userId);
  return user && fingerprintsEqual(stored.fingerprint, tokenFingerprint(token, user.hashedPassword)) ? user : null;
}
