import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import jsonwebtoken, { type JwtPayload, type VerifyOptions } from 'jsonwebtoken';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { StrategyDestroyNotSupportedError } from '../errors/not-supported.errors.js';
import { UsersAuthError } from '../errors/users-auth.error.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { DEFAULT_AUTH_AUDIENCE } from '../users-auth.constants.js';
import { createHmacKey, type HmacAlgorithm } from './jwt-key.util.js';
import { fingerprintsEqual, passwordFingerprint } from './password-fingerprint.util.js';
import type { Strategy, UserLookup } from './strategy.interface.js';

/** @publicApi */
export interface JwtStrategyOptions {
  /** HMAC secret: a string, Buffer or secret `KeyObject` of at least 32 bytes for HS256 (shorter fails at startup). */
  secret: string | Buffer | KeyObject;
  /** Token lifetime in seconds; every token carries `exp`. */
  lifetimeSeconds: number;
  /** Accepted and issued `aud` values; the first is written. @default ['nest-users:auth'] */
  audience?: string[];
  /** Signing algorithm, pinned: tokens signed any other way are refused. @default 'HS256' */
  algorithm?: HmacAlgorithm;
  /**
   * Bind each token to the user's current password (a `pfp` claim, a keyed fingerprint of the hash), so a password
   * change or reset ends every token issued before it. Turn off only to accept tokens minted elsewhere (e.g. by a
   * fastapi-users service sharing the secret). @default true
   */
  revokeOnPasswordChange?: boolean;
}

/** Tolerated clock skew between instances for `iat` in the future. */
const IAT_LEEWAY_SECONDS = 60;

/**
 * Stateless JWT access tokens: `{sub, aud, iat, exp, pfp}`, algorithm pinned, `exp` required, unknown `crit` refused.
 * @publicApi
 */
export class JwtStrategy<U extends UserProtocol<ID>, ID = U['id']> implements Strategy<U, ID> {
  readonly algorithm: HmacAlgorithm;
  readonly audience: string[];
  readonly lifetimeSeconds: number;
  readonly key: KeyObject;
  readonly revokeOnPasswordChange: boolean;
  /** A key of its own for password fingerprints, derived from the signing key. */
  private readonly fingerprintKey: KeyObject;
  /** The exact checks jsonwebtoken applies; shared with the passport-jwt strategy of the backend. */
  readonly verifyOptions: VerifyOptions & { complete: true };

  constructor(options: JwtStrategyOptions, context = 'JwtStrategy') {
    this.algorithm = options.algorithm ?? 'HS256';
    this.key = createHmacKey(options.secret, this.algorithm, context);
    if (!Number.isSafeInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
      throw new UsersAuthConfigurationError(
        `${context}: lifetimeSeconds must be a positive whole number of seconds (tokens without exp are refused).`,
      );
    }
    this.lifetimeSeconds = options.lifetimeSeconds;
    this.audience = options.audience?.length ? [...options.audience] : [DEFAULT_AUTH_AUDIENCE];
    this.revokeOnPasswordChange = options.revokeOnPasswordChange ?? true;
    this.fingerprintKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', this.key.export(), Buffer.alloc(0), 'nest-users:access-pfp', 32)),
    );
    this.verifyOptions = {
      algorithms: [this.algorithm],
      audience: this.audience as [string, ...string[]],
      clockTolerance: 0,
      complete: true,
    };
  }

  async writeToken(user: U): Promise<string> {
    const claims: Record<string, string> = { sub: String(user.id), aud: this.audience[0]! };
    if (this.revokeOnPasswordChange) claims.pfp = passwordFingerprint(this.fingerprintKey, user.hashedPassword);
    return jsonwebtoken.sign(claims, this.key, {
      algorithm: this.algorithm,
      expiresIn: this.lifetimeSeconds,
    });
  }

  async readToken(token: string, users: UserLookup<U, ID>): Promise<U | null> {
    const payload = this.verify(token);
    return payload ? this.userFromPayload(payload, users) : null;
  }

  async destroyToken(): Promise<void> {
    throw new StrategyDestroyNotSupportedError();
  }

  /** The verified payload, or `null` for any token that is not ours, not valid now, or not understood. */
  verify(token: string): JwtPayload | null {
    if (!this.isWellFormed(token)) return null;
    try {
      const { header, payload } = jsonwebtoken.verify(token, this.key, this.verifyOptions);
      if (!this.isUnderstoodHeader(header) || typeof payload !== 'object') return null;
      return this.hasRequiredClaims(payload) ? payload : null;
    } catch {
      return null;
    }
  }

  /** RFC 7515 §4.1.11: a token naming extensions we do not implement (`crit`) must be rejected. */
  isUnderstoodHeader(header: object): boolean {
    return !('crit' in header);
  }

  /**
   * Cheap checks on a raw token before any signature work: a JSON-object header we understand, and a payload that is
   * a JSON object itself (RFC 7519 §7.2; jsonwebtoken would also accept a JSON string holding the claims).
   */
  isWellFormed(token: string): boolean {
    const dot = token.indexOf('.');
    // base64url of `{"`: every JSON-object segment we (or PyJWT) sign starts with it.
    if (dot <= 0 || !token.startsWith('eyJ', dot + 1)) return false;
    try {
      const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
      return typeof header === 'object' && header !== null && !Array.isArray(header) && this.isUnderstoodHeader(header);
    } catch {
      return false;
    }
  }

  hasRequiredClaims(payload: JwtPayload): boolean {
    const now = Math.floor(Date.now() / 1000);
    return (
      typeof payload.exp === 'number' &&
      typeof payload.sub === 'string' &&
      payload.sub.length > 0 &&
      (payload.iat === undefined || (typeof payload.iat === 'number' && payload.iat <= now + IAT_LEEWAY_SECONDS))
    );
  }

  /**
   * Loads the user a verified payload names; `null` when the id is malformed, the user is gone, or the password
   * changed since the token was issued.
   */
  async userFromPayload(payload: JwtPayload, users: UserLookup<U, ID>): Promise<U | null> {
    if (!this.hasRequiredClaims(payload)) return null;
    let user: U;
    try {
      user = await users.get(users.parseId(payload.sub));
    } catch (error) {
      if (error instanceof UsersAuthError) return null;
      throw error;
    }
    if (this.revokeOnPasswordChange && !fingerprintsEqual(payload.pfp, passwordFingerprint(this.fingerprintKey, user.hashedPassword))) {
      return null;
    }
    return user;
  }
}
